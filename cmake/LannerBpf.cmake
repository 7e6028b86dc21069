# Building CO-RE eBPF objects and their libbpf skeletons.
# vmlinux.h is generated at build time from the running kernel's BTF
# (/sys/kernel/btf/vmlinux or LANNER_VMLINUX_BTF); it is never committed.
#
# lanner_bpf_object(NAME SRC [DEPENDS hdr...]) builds NAME.bpf.o from SRC and
# NAME.skel.h next to it, and an INTERFACE target NAME_skel whose include
# directory holds the skeleton; link it with libbpf (target lanner_libbpf).
find_program(BPF_CLANG NAMES clang clang-14 REQUIRED)
find_program(BPFTOOL NAMES bpftool PATHS /usr/sbin /sbin REQUIRED)
set(LANNER_VMLINUX_BTF "/sys/kernel/btf/vmlinux" CACHE FILEPATH "BTF used to generate vmlinux.h")
pkg_check_modules(LIBBPF REQUIRED IMPORTED_TARGET libbpf)
add_library(lanner_libbpf INTERFACE)
target_link_libraries(lanner_libbpf INTERFACE PkgConfig::LIBBPF)

set(LANNER_BPF_GEN_DIR "${CMAKE_BINARY_DIR}/bpf-gen")
file(MAKE_DIRECTORY "${LANNER_BPF_GEN_DIR}")
add_custom_command(OUTPUT "${LANNER_BPF_GEN_DIR}/vmlinux.h"
	COMMAND ${BPFTOOL} btf dump file ${LANNER_VMLINUX_BTF} format c > vmlinux.h.tmp
	COMMAND ${CMAKE_COMMAND} -E rename vmlinux.h.tmp vmlinux.h
	WORKING_DIRECTORY "${LANNER_BPF_GEN_DIR}"
	COMMENT "Generating vmlinux.h from ${LANNER_VMLINUX_BTF}" VERBATIM)
add_custom_target(lanner_vmlinux_h DEPENDS "${LANNER_BPF_GEN_DIR}/vmlinux.h")

if(CMAKE_SYSTEM_PROCESSOR MATCHES "x86_64|AMD64")
	set(LANNER_BPF_ARCH x86)
elseif(CMAKE_SYSTEM_PROCESSOR MATCHES "aarch64|arm64")
	set(LANNER_BPF_ARCH arm64)
else()
	set(LANNER_BPF_ARCH ${CMAKE_SYSTEM_PROCESSOR})
endif()

function(lanner_bpf_object name src)
	cmake_parse_arguments(B "" "" "DEPENDS;INCLUDES" ${ARGN})
	get_filename_component(src_abs "${src}" ABSOLUTE)
	set(out_dir "${CMAKE_CURRENT_BINARY_DIR}/${name}-bpf")
	file(MAKE_DIRECTORY "${out_dir}")
	set(obj "${out_dir}/${name}.bpf.o")
	set(skel "${out_dir}/${name}.skel.h")
	set(incs -I${LANNER_BPF_GEN_DIR} -I${CMAKE_CURRENT_SOURCE_DIR} -I${CMAKE_SOURCE_DIR})
	foreach(i ${B_INCLUDES})
		list(APPEND incs -I${i})
	endforeach()
	add_custom_command(OUTPUT "${obj}"
		COMMAND ${BPF_CLANG} -g -O2 -Wall -target bpf -D__TARGET_ARCH_${LANNER_BPF_ARCH}
			-mcpu=v3 ${incs} -c ${src_abs} -o ${obj}
		DEPENDS ${src_abs} ${B_DEPENDS}
		COMMENT "BPF ${name}.bpf.o" VERBATIM)
	add_custom_command(OUTPUT "${skel}"
		COMMAND ${BPFTOOL} gen skeleton ${obj} name ${name} > ${skel}.tmp
		COMMAND ${CMAKE_COMMAND} -E rename ${skel}.tmp ${skel}
		DEPENDS "${obj}" COMMENT "BPF skeleton ${name}.skel.h" VERBATIM)
	add_custom_target(${name}_skel_gen DEPENDS "${skel}")
	# vmlinux.h is made by a custom command of the top directory: with the
	# Makefile generators a file produced in another directory cannot be a
	# file-level dependency here ("No rule to make target"), so order the
	# targets instead.
	add_dependencies(${name}_skel_gen lanner_vmlinux_h)
	add_library(${name}_skel INTERFACE)
	target_include_directories(${name}_skel INTERFACE "${out_dir}")
	add_dependencies(${name}_skel ${name}_skel_gen)
endfunction()
