#!/usr/bin/env python3
"""Rebuilds the seed corpora fuzz/seeds/<target>/ from the repository's fixtures/, the shared public
corpus (../shared/corpus, or $STACKCHECK_CORPUS) and a few hand-written edge cases.

    python3 fuzz/build_seeds.py            # from the repository root (or anywhere)
    python3 fuzz/build_seeds.py nginx      # only some targets

Deterministic: the same inputs give the same files. Seeds are kept small (each at most MAX_SIZE bytes,
at most PER_TARGET files per target, deduplicated by content) so that they are cheap to commit; the
fuzzers' own working corpora go to fuzz/corpus/ (gitignored).
"""

import hashlib
import os
import re
import shutil
import sys
from pathlib import Path

FUZZ = Path(__file__).resolve().parent
ROOT = FUZZ.parent
SEEDS = FUZZ / "seeds"
MAX_SIZE = 12 * 1024
PER_TARGET = {"yaml": 220, "envfile": 120, "interp": 300, "compose_load": 200, "caddy": 80, "nginx": 120}


def corpus_dirs():
    dirs = [ROOT / "fixtures"]
    shared = Path(os.environ.get("STACKCHECK_CORPUS", ROOT.parent / "shared" / "corpus"))
    if shared.is_dir():
        dirs.append(shared)
    else:
        print(f"note: no shared corpus at {shared}; seeds from fixtures/ and hand-written cases only", file=sys.stderr)
    return dirs


def label(path):
    for base in corpus_dirs():
        try:
            rel = path.relative_to(base)
            prefix = "fx" if base.name == "fixtures" else "corpus"
            break
        except ValueError:
            continue
    else:
        rel, prefix = Path(path.name), "x"
    name = prefix + "-" + "-".join(rel.parts)
    return re.sub(r"[^A-Za-z0-9._-]", "_", name)[:120]


def files():
    out = []
    for base in corpus_dirs():
        for p in sorted(base.rglob("*")):
            if p.is_file() and not p.is_symlink():
                out.append(p)
    return out


def is_compose(p):
    return p.suffix in (".yml", ".yaml")


def is_env(p):
    n = p.name
    return (
        n == ".env"
        or n.startswith(".env.")
        or n.endswith(".env")
        or n.startswith("env.")
        or ".env." in n
        or n.endswith((".example", ".sample", ".template", ".dist")) and "env" in n.lower()
    )


NGINX_SKIP = ("redis", "squid", "apache", "reflex.conf")  # folders (or files) of other programs


def is_nginx(p):
    """nginx configs: `*.conf` (but not the corpus's redis/squid/reflex/Apache ones), `*.conf.template`,
    and the extension-less `conf` files of awesome-compose's proxies."""
    if any(part.lower() in NGINX_SKIP for part in p.parts):
        return False
    return p.name.endswith((".conf", ".conf.template")) or (p.name == "conf" and "proxy" in p.parts)


def stable_order(items, key):
    """A fixed pseudo-random order (by content hash), so a capped selection spreads over the corpus."""
    return sorted(items, key=lambda x: hashlib.sha1(key(x)).hexdigest())


class Target:
    def __init__(self, name):
        self.name = name
        self.dir = SEEDS / name
        self.seen = set()
        self.items = []  # (name, bytes, forced)

    def add(self, name, data, forced=False):
        if isinstance(data, str):
            data = data.encode()
        if len(data) > MAX_SIZE and not forced:
            return
        h = hashlib.sha1(data).hexdigest()
        if h in self.seen:
            return
        self.seen.add(h)
        self.items.append((name, data, forced))

    def write(self):
        forced = [i for i in self.items if i[2]]
        rest = stable_order([i for i in self.items if not i[2]], key=lambda i: i[1])
        keep = forced + rest[: max(0, PER_TARGET[self.name] - len(forced))]
        if self.dir.exists():
            shutil.rmtree(self.dir)
        self.dir.mkdir(parents=True)
        used = set()
        for name, data, _ in keep:
            n, i = name, 1
            while n in used:
                i += 1
                n = f"{name}.{i}"
            used.add(n)
            (self.dir / n).write_bytes(data)
        size = sum(len(d) for _, d, _ in keep)
        print(f"{self.name}: {len(keep)} seeds, {size} bytes")


# ------------------------------------------------------------------------------------- hand-written

YAML_CASES = {
    "anchors-merge": "x-common: &common\n  restart: always\n  environment: &env\n    A: 1\nservices:\n  a:\n    <<: *common\n    image: a\n  b:\n    <<: [*common, {image: b}]\n    environment:\n      <<: *env\n      B: 2\n",
    "reset-override": "services:\n  web:\n    image: nginx\n    ports: !reset []\n    environment: !override\n      A: b\n    command: !!str 0755\n",
    "multi-doc": "---\na: 1\n...\n---\nb: [1, 2, {c: d}]\n--- !!map\n? complex\n: value\n",
    "flow-indent": "services:\n  app:\n    image: x\n    command: [\n  \"sh\", \"-c\",\n  'echo hi'\n]\n",
    "scalars": "a: 0x1F\nb: 0o17\nc: 0755\nd: 1_000\ne: .inf\nf: -.Inf\ng: .nan\nh: 2024-01-02\ni: 2001-12-14t21:59:43.10-05:00\nj: ~\nk: yes\nl: 1e3\nm: +12\nn: -0b101\n",
    "block-scalars": "a: |\n  line1\n   line2\nb: >-\n  folded\n  text\n\nc: |+\n  keep\n\nd: \"esc\\t\\u00e9\\x41\\\n  cont\"\ne: 'it''s'\n",
    "unicode": "services:\n  caf\u00e9:\n    image: \"\u00e9\u20ac\U0001F600\"\n    labels:\n      \u00fc: \u00df\n  \u212a: {image: k}\n",
    "alias-bomb": "a: &a [x, x, x, x]\nb: &b [*a, *a, *a, *a]\nc: &c [*b, *b, *b, *b]\nd: &d [*c, *c, *c, *c]\n",
    "duplicate-key": "a: 1\nb: 2\na: 3\n",
    "deep": "a: " + "[" * 60 + "]" * 60 + "\n",
    "tags": "a: !custom x\nb: !<tag:yaml.org,2002:str> 1\nc: !!binary aGk=\nd: !!int '12'\ne: !!float 1\nf: !!bool 'true'\n%TAG ! tag:example.com,2000:\n",
    "bom-crlf": "\ufeffservices:\r\n  a:\r\n    image: x\r\n",
    "complex-key": "? [a, b]\n: c\n? {x: y}\n: z\n",
    "interp": "services:\n  a:\n    image: ${IMAGE:-nginx}:${TAG?tag required}\n    environment:\n      - X=$$HOME\n      - Y=${A:-${B:-{c}}}\n",
}

COMPOSE_CASES = {
    "full": """name: demo
x-base: &base
  restart: unless-stopped
  env_file: [.env]
  logging: {driver: json-file}
services:
  web:
    <<: *base
    image: nginx:${NGINX_TAG:-1.27}
    container_name: web
    ports: ["80:80", "127.0.0.1:8443:443/tcp", "${PORT:-3000}:3000"]
    depends_on:
      db: {condition: service_healthy, restart: true}
    networks: [front, back]
    volumes: [data:/data, ./conf:/etc/nginx/conf.d:ro]
    profiles: [web]
    healthcheck: {test: ["CMD", "true"], interval: 10s}
    labels: {traefik.enable: "true"}
    environment:
      SECRET_KEY: ${SECRET_KEY:?set it}
      DATABASE_URL: postgres://u:${DB_PASSWORD}@db/app
  db:
    <<: *base
    image: postgres:16
    container_name: web
    ports: ["80:5432"]
    extends: {service: web}
    networks: {back: {aliases: [database]}}
    # stackcheck: ignore C101
    deploy: {resources: {limits: {memory: 1g}}}
networks: {front: {}, back: {external: true}}
volumes: {data: {}}
secrets: {s: {file: ./s.txt}}
configs: {c: {content: x}}
\x00DB_PASSWORD=hunter2
SECRET_KEY='a b'
export NGINX_TAG=1.27
PORT="30${A}00" # comment
""",
    "include-extends": "include:\n  - other.yaml\n  - path: [a.yml, b.yml]\n    env_file: x.env\nservices:\n  a:\n    extends: {file: base.yml, service: b}\n    build: {context: ., dockerfile: Dockerfile, args: [A=1]}\n    env_file: [{path: missing.env, required: false}]\n",
    "reset-override": "services:\n  a:\n    image: x\n    ports: !reset\n    volumes: !override [/a:/b]\n  b:\n    image: y\n    depends_on: [a, c]\n    network_mode: host\n    ports: [8080:80, 8080:80]\n",
    "bad-env": "services:\n  a:\n    image: ${IMG}\n    environment: [A=${B:?}, C]\n\x00IMG=\"unterminated\n B=1\nexport\n=x\nK:v\n",
    "not-utf8": b"services:\n  a:\n    image: \xff\xfe\n",
}

ENV_CASES = {
    "mixed": "# comment\nexport A=1\nB = 2\nC=\"multi\nline\\n\\t\\\"q\\\"\\$x\"\nD='single ${X}'\nE=unquoted # trailing\nF\nG:colon\nH=\nI=\"${A}-${B:-def}\"\n",
    "bom-crlf": "\ufeffA=1\r\nB=\"x\"\r\n#c\r\n",
    "errors": "A=\"unterminated\nB='also\n bad key=1\nexport\n=empty\nK\u00e9=v\n",
    "unicode": "\u00e9=1\nA=\u00e9\u20ac\U0001F600\nB=\"\\u00e9\\U0001F600\"\n",
    "escapes": "A=\"\\a\\b\\f\\n\\r\\t\\v\\\\\\x41\\101\\u0041\"\nB=a\\nb\n",
}

INTERP_CASES = [
    "$A ${B} $$HOME ${EMPTY:-x} ${U:+alt} ${SECRET?msg} ${MISSING:?required $A}",
    "${A:-{x}}",
    "${A:-a}b}",
    "${A:-{}",
    "${A:-{}}x}",
    "${A:-x\ny}",
    "${A/x/y}",
    "${ſ} $K ${K:-k} $é $1 $- $",
    "${X:-${Y:-${Z:-${A}}}}",
    "${" * 70 + "A" + ":-" * 1 + "}" * 70,
    "${DOLLAR}${UTF:+é€}${UNDEF-€}",
    "${A-}${A+}${A:?}${A?}",
    "$$${A}$$$B$",
    "${ A}${A }${-}${:-}",
]


NGINX_CASES = {
    "main": "user nginx;\nworker_processes auto;\nevents { worker_connections 1024; }\nhttp {\n  include mime.types;\n  upstream app { server app:8000; keepalive 8; }\n  server {\n    listen 80 default_server;\n    listen [::]:443 ssl http2;\n    server_name example.org *.example.org ~^(?<s>.+)\\.example\\.net$ \"\";\n    ssl_certificate /etc/ssl/a.pem;\n    add_header X-A \"a b\" always;\n    location = / { return 204; }\n    location ^~ /s/ { root /srv; }\n    location ~* \\.(png|jpg)$ { expires 1d; }\n    location /api/ { proxy_set_header Host $host; proxy_pass http://app/; }\n    location @f { fastcgi_pass unix:/run/php.sock; }\n    if ($request_method = POST) { return 405; }\n  }\n}\n",
    "template": "server {\n  listen ${PORT};\n  server_name ${A} $host;\n  location / { proxy_pass http://${BR}:$PORT; }\n}\n",
    "lua": "location / {\n  content_by_lua_block {\n    local t = { a = \"}\" } -- }\n    ngx.say([==[ } ]==])\n  }\n}\n",
    "quotes": "add_header 'X-\\'a' \"b\\\"c\\n\" always;\nset $x ${host}y;\nreturn 200 a#b;# c\n",
    "errors": "server {\n  listen 80\n  location ~ ^/a{2}$ {\n    root /a /b;\n  }\n  \"x\"y;\n  return 200 \"unterminated;\n",
    "map-types": "map $http_upgrade $c { default upgrade; '' close; }\ntypes { text/html html; }\ngeo $g { 10.0.0.0/8 1; }\n",
}


def main():
    all_files = files()
    only = [a for a in sys.argv[1:] if a in PER_TARGET]
    t = {n: Target(n) for n in PER_TARGET}
    for name, text in NGINX_CASES.items():
        t["nginx"].add("hand-" + name, text, forced=True)

    for name, text in YAML_CASES.items():
        t["yaml"].add("hand-" + name, text, forced=True)
    for name, text in COMPOSE_CASES.items():
        t["compose_load"].add("hand-" + name, text, forced=True)
    for name, text in ENV_CASES.items():
        t["envfile"].add("hand-" + name, text, forced=True)
    for i, text in enumerate(INTERP_CASES):
        t["interp"].add(f"hand-{i:02}", text, forced=True)

    fixture_root = ROOT / "fixtures"
    for p in all_files:
        data = p.read_bytes()
        forced = fixture_root in p.parents  # every fixture is kept
        if is_compose(p):
            t["yaml"].add(label(p), data, forced=forced and len(data) <= MAX_SIZE)
            # compose_load: the file, and with its directory's env file after a NUL byte.
            env = next((p.parent / n for n in (".env", ".env.example", "env.example") if (p.parent / n).is_file()), None)
            if env is not None:
                t["compose_load"].add(label(p) + "+env", data + b"\0" + env.read_bytes(), forced=forced)
            else:
                t["compose_load"].add(label(p), data, forced=forced and len(data) <= MAX_SIZE)
        if is_nginx(p):
            t["nginx"].add(label(p), data, forced=forced)
        if is_env(p) and not is_compose(p):
            t["envfile"].add(label(p), data, forced=forced)
        if is_compose(p) or is_env(p):
            try:
                text = data.decode()
            except UnicodeDecodeError:
                continue
            for n, line in enumerate(text.splitlines()):
                if "$" in line:
                    t["interp"].add(f"{label(p)}-L{n + 1}", line.strip().encode())
        if "caddyfile" in p.name.lower() or p.parent.name == "snippets":
            t["caddy"].add(label(p), data)
    # Caddyfiles of the differential test (tests/caddy_cases), every one kept.
    for p in sorted((ROOT / "tests" / "caddy_cases").rglob("*")):
        if p.is_file():
            t["caddy"].add("case-" + p.name, p.read_bytes(), forced=True)
    for target in t.values():
        if not only or target.name in only:
            target.write()


if __name__ == "__main__":
    main()
