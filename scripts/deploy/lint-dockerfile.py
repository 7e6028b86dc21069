#!/usr/bin/env python3
"""lint-dockerfile.py DOCKERFILE... | --self-test: the Dockerfile rules that matter to
Lanner (hadolint is not in Debian): every FROM pinned (exact tag with a digit or
@sha256 digest, never `latest` nor untagged; ARG defaults are resolved), the final
stage ends with a non-root USER, no ADD of URLs (no unverified downloads), no
secrets in ENV/ARG/LABEL/RUN (names like PASSWORD/TOKEN/SECRET with a value,
private key blocks), apt-get install with --no-install-recommends and the lists
removed in the same RUN. Exit 1 with file:line: messages on any violation."""
import re
import sys

SECRET_NAME = re.compile(r"(PASS(WORD)?|SECRET|TOKEN|API_?KEY|PRIVATE_?KEY|CREDENTIALS?)", re.I)


def logical_lines(text):
    """Yield (line number, instruction line) with continuations joined."""
    buf, start = "", 0
    for n, raw in enumerate(text.splitlines(), 1):
        line = raw.rstrip()
        if not buf and (not line.strip() or line.lstrip().startswith("#")):
            continue
        if buf and line.lstrip().startswith("#"):
            continue
        if not buf:
            start = n
        if line.endswith("\\"):
            buf += line[:-1] + " "
            continue
        yield start, buf + line
        buf = ""
    if buf:
        yield start, buf


def lint(path, text):
    errs = []
    args = {}
    stages = []  # (line, image) per FROM
    users = []  # USER per stage index
    for n, line in logical_lines(text):
        m = re.match(r"\s*(\w+)\s*(.*)", line)
        if not m:
            continue
        ins, rest = m.group(1).upper(), m.group(2).strip()
        where = f"{path}:{n}"
        if ins == "ARG":
            k, _, v = rest.partition("=")
            args[k.strip()] = v.strip().strip('"')
            if v and SECRET_NAME.search(k):
                errs.append(f"{where}: ARG {k.strip()} carries a secret default")
        elif ins == "FROM":
            parts = rest.split()
            image = parts[0]
            if parts[0].startswith("--platform"):
                image = parts[1]
            image = re.sub(r"\$\{?(\w+)\}?", lambda mm: args.get(mm.group(1), ""), image)
            known = [s[2] for s in stages if s[2]]
            alias = parts[-1] if len(parts) >= 3 and parts[-2].upper() == "AS" else None
            stages.append((n, image, alias))
            users.append(None)
            if image in known or image == "scratch":
                continue
            name, _, digest = image.partition("@")
            tag = name.rsplit(":", 1)[1] if ":" in name.rsplit("/", 1)[-1] else ""
            if not image:
                errs.append(f"{where}: FROM has no image (unset ARG?)")
            elif digest:
                if not re.fullmatch(r"sha256:[0-9a-f]{64}", digest):
                    errs.append(f"{where}: FROM {image}: malformed digest")
            elif not tag:
                errs.append(f"{where}: FROM {image}: no tag (means latest): pin an exact tag or digest")
            elif tag == "latest" or not re.search(r"\d", tag):
                errs.append(f"{where}: FROM {image}: tag '{tag}' is not pinned (use an exact version)")
        elif ins == "USER":
            if users:
                users[-1] = rest
        elif ins == "ADD":
            if re.search(r"(^|\s)(https?|ftp)://", rest) or re.search(r"\.git(\s|$)", rest):
                errs.append(f"{where}: ADD of a URL: download in a RUN with a checksum, or COPY")
        elif ins in ("ENV", "LABEL"):
            for k, v in re.findall(r"(\w+)[= ]\s*(\"[^\"]*\"|\S+)", rest):
                if SECRET_NAME.search(k) and v.strip('"'):
                    errs.append(f"{where}: {ins} {k} holds a secret: pass it at run time")
        if ins == "RUN":
            if "apt-get install" in rest:
                if "--no-install-recommends" not in rest:
                    errs.append(f"{where}: apt-get install without --no-install-recommends")
                if "rm -rf /var/lib/apt/lists" not in rest and "deps.sh" not in rest:
                    errs.append(f"{where}: apt lists not removed in the same RUN")
            if re.search(r"(curl|wget)\b[^|;&]*\|\s*(ba|da)?sh", rest):
                errs.append(f"{where}: piping a download into a shell")
        if re.search(r"-----BEGIN [A-Z ]*PRIVATE KEY-----", line) or \
                re.search(r"\b(AKIA[0-9A-Z]{16})\b", line):
            errs.append(f"{where}: a private key or access key in the Dockerfile")
    if not stages:
        errs.append(f"{path}: no FROM")
    else:
        last = users[-1]
        if last is None:
            errs.append(f"{path}: the final stage has no USER (would run as root)")
        elif last.split(":")[0] in ("root", "0"):
            errs.append(f"{path}: the final stage runs as root (USER {last})")
    return errs


BAD = {
    "latest": "FROM debian:latest\nUSER 10001\n",
    "untagged": "FROM debian\nUSER 10001\n",
    "codename tag": "FROM debian:bookworm-slim\nUSER 10001\n",
    "arg latest": "ARG IMG=debian:latest\nFROM ${IMG}\nUSER 10001\n",
    "no user": "FROM debian:12.11-slim\nRUN true\n",
    "root user": "FROM debian:12.11-slim\nUSER root\n",
    "add url": "FROM debian:12.11-slim\nADD https://example.org/x.tgz /x\nUSER 1\n",
    "env secret": "FROM debian:12.11-slim\nENV REDIS_PASSWORD=hunter2\nUSER 1\n",
    "arg secret": "FROM debian:12.11-slim\nARG API_TOKEN=abc\nUSER 1\n",
    "recommends": "FROM debian:12.11-slim\nRUN apt-get install -y x && rm -rf /var/lib/apt/lists/*\nUSER 1\n",
    "curl sh": "FROM debian:12.11-slim\nRUN curl -s https://x | sh\nUSER 1\n",
    "key": "FROM debian:12.11-slim\nRUN echo '-----BEGIN RSA PRIVATE KEY-----'\nUSER 1\n",
}
GOOD = ("ARG B=debian:12.11-slim\nFROM ${B} AS build\nRUN true\n"
        "FROM ${B}\nCOPY --from=build /x /x\nENV PASSWORD_FILE=\nUSER lanner:lanner\n")


def main():
    if sys.argv[1:] == ["--self-test"]:
        bad = 0
        for name, text in BAD.items():
            if not lint(name, text):
                print(f"self-test: sample '{name}' was not rejected")
                bad += 1
        if lint("good", GOOD):
            print("self-test: good sample rejected:", lint("good", GOOD))
            bad += 1
        print(f"self-test: {len(BAD) + 1 - bad} of {len(BAD) + 1} samples judged right")
        sys.exit(1 if bad else 0)
    errs = []
    for p in sys.argv[1:]:
        errs += lint(p, open(p).read())
    for e in errs:
        print(e)
    sys.exit(1 if errs else 0)


main()
