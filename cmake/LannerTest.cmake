# lanner_add_test(NAME SOURCES src... [LIBS lib...] [LABELS l...] [TIMEOUT s] [ARGS a...])
# One helper registers every test: a cmocka (or plain) executable run by ctest.
# Exit code 77 means "skipped" (e.g. a root/BPF test outside CI; it says why).
# Label "root" marks tests that need root or eBPF; "slow" marks long ones.
function(lanner_add_test name)
	cmake_parse_arguments(T "" "TIMEOUT" "SOURCES;LIBS;LABELS;ARGS" ${ARGN})
	if(NOT T_TIMEOUT)
		set(T_TIMEOUT 120)
	endif()
	add_executable(${name} ${T_SOURCES})
	target_include_directories(${name} PRIVATE ${CMAKE_SOURCE_DIR}/tests/support)
	target_link_libraries(${name} PRIVATE ${T_LIBS})
	if(TARGET PkgConfig::CMOCKA)
		target_link_libraries(${name} PRIVATE PkgConfig::CMOCKA)
	endif()
	add_test(NAME ${name} COMMAND ${name} ${T_ARGS})
	set_tests_properties(${name} PROPERTIES TIMEOUT ${T_TIMEOUT}
		SKIP_RETURN_CODE 77 LABELS "${T_LABELS}")
	# Tests that need root attach eBPF programs to the whole machine, make cgroups
	# or run live pipelines: they do not run beside each other (a syscall storm of
	# one would fill the kernel buffer of another's pipeline). Use the same lock,
	# LANNER_SYSTEM_LOCK, on such tests registered with add_test().
	if("root" IN_LIST T_LABELS)
		set_tests_properties(${name} PROPERTIES RESOURCE_LOCK lanner_system)
	endif()
endfunction()

# lanner_add_fuzz(NAME SOURCES src... [LIBS lib...] CORPUS dir...)
# NAME must start with fuzz_. With LANNER_FUZZ=ON (clang): a libFuzzer binary NAME.
# Always: a test NAME_corpus that runs the target over its seed corpus with a
# standalone driver, so every normal test run replays the corpus and the
# crash regressions kept in it.
function(lanner_add_fuzz name)
	cmake_parse_arguments(F "" "" "SOURCES;LIBS;CORPUS" ${ARGN})
	add_executable(${name}_replay ${F_SOURCES} ${CMAKE_SOURCE_DIR}/tests/fuzz/standalone_main.c)
	target_link_libraries(${name}_replay PRIVATE ${F_LIBS})
	add_test(NAME ${name}_corpus COMMAND ${name}_replay ${F_CORPUS})
	set_tests_properties(${name}_corpus PROPERTIES TIMEOUT 300 LABELS "fuzz")
	if(LANNER_FUZZ)
		add_executable(${name} ${F_SOURCES})
		target_compile_options(${name} PRIVATE -fsanitize=fuzzer,address,undefined)
		target_link_options(${name} PRIVATE -fsanitize=fuzzer,address,undefined)
		target_link_libraries(${name} PRIVATE ${F_LIBS})
		# scripts/fuzz-smoke.sh reads the seed directories from here.
		string(REPLACE ";" " " seeds "${F_CORPUS}")
		file(WRITE "${CMAKE_CURRENT_BINARY_DIR}/${name}.seeds" "${seeds}\n")
	endif()
endfunction()

# The resource lock shared by tests that use the whole machine (eBPF, pipelines).
set(LANNER_SYSTEM_LOCK lanner_system)
