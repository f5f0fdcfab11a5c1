#!/usr/bin/env python3
"""Generate the env-file benchmark input: a large `.env` next to a compose file that uses it.

usage: gen_envfile.py OUT_DIR [LINES]      (LINES defaults to 50000)

The file looks like a real, very large deployment env file: sections of settings per service, each
section introduced by comment lines and closed by a blank line, keys sorted inside a section (as
people keep them, and so that dotenv-linter's UnorderedKey check does not fire on every line),
values of every usual shape: numbers, booleans, URLs with credentials, host:port, paths, empty
values, double- and single-quoted strings with spaces, `${OTHER}` references to earlier keys, and a
few inline comments. The output is deterministic (fixed seed), so every run times the same bytes.

The compose file next to it reads the env file both ways Compose does: as the project `.env` (for
`${VAR}` interpolation in the compose file) and as an `env_file:` of the services (container env).
"""

import random
import sys
from pathlib import Path

WORDS = (
    "alpha bravo cache cluster data delta echo gateway index job kafka ledger mail media "
    "metrics node orders payments queue redis report search session storage tenant upload "
    "user vault worker"
).split()

SETTINGS = (
    "ADMIN_EMAIL API_KEY API_URL BASE_PATH CACHE_TTL DATABASE_URL DB_HOST DB_NAME DB_PASSWORD "
    "DB_PORT DB_USER DEBUG ENABLED FEATURE_FLAGS GREETING HOST IMAGE_TAG LOG_FORMAT LOG_LEVEL "
    "MAX_CONNECTIONS PORT PUBLIC_URL REDIS_URL REPLICAS SECRET_KEY SMTP_HOST SMTP_PORT TIMEOUT "
    "TIMEZONE TOKEN WORKERS"
).split()


def value_for(setting: str, prefix: str, rng: random.Random) -> str:
    """A plausible value for SETTING, in one of the shapes real env files use."""
    word = rng.choice(WORDS)
    secret = "".join(rng.choice("abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789") for _ in range(32))
    if setting in ("DB_PORT", "PORT", "SMTP_PORT"):
        return str(rng.randint(1024, 65000))
    if setting in ("CACHE_TTL", "MAX_CONNECTIONS", "REPLICAS", "TIMEOUT", "WORKERS"):
        return str(rng.choice([1, 2, 4, 8, 30, 60, 100, 300, 3600]))
    if setting in ("DEBUG", "ENABLED"):
        return rng.choice(["true", "false", "0", "1"])
    if setting == "DATABASE_URL":
        return f"postgresql://{word}:{secret}@db-{word}:5432/{word}"
    if setting == "REDIS_URL":
        return f"redis://:{secret[:16]}@redis-{word}:6379/{rng.randint(0, 15)}"
    if setting in ("DB_PASSWORD", "SECRET_KEY", "TOKEN"):
        return rng.choice([secret, f"'{secret}'", f'"{secret}"'])
    if setting == "API_KEY":
        return f"sk_live_{secret}"
    if setting in ("API_URL", "PUBLIC_URL"):
        return f"https://{word}.example.com/{rng.choice(['v1', 'v2', 'api', ''])}"
    if setting == "BASE_PATH":
        return f"/srv/{word}/data"
    if setting == "GREETING":
        return rng.choice([f'"Welcome to {word} service"', f"'Hello from {word}'", ""])
    if setting == "FEATURE_FLAGS":
        return '"' + ",".join(rng.sample(WORDS, 3)) + '"'
    if setting == "LOG_FORMAT":
        return rng.choice(["json", "text", '"%(asctime)s %(levelname)s %(message)s"'])
    if setting == "LOG_LEVEL":
        return rng.choice(["debug", "info", "warning", "error"]) + rng.choice(["", "", "", " # change for prod"])
    if setting == "HOST":
        return f"{word}-{prefix.lower()}"
    if setting == "SMTP_HOST":
        return "smtp.example.com"
    if setting == "IMAGE_TAG":
        return f"{rng.randint(1, 9)}.{rng.randint(0, 30)}.{rng.randint(0, 9)}"
    if setting == "TIMEZONE":
        return rng.choice(["UTC", "Europe/Paris", "America/New_York"])
    if setting == "ADMIN_EMAIL":
        return f"admin@{word}.example.com"
    if setting in ("DB_HOST",):
        return f"db-{word}"
    if setting in ("DB_NAME", "DB_USER"):
        return word
    return word


def generate(lines_wanted: int, rng: random.Random) -> list[str]:
    lines: list[str] = ["# Generated benchmark env file (bench/gen_envfile.py): do not edit.", ""]
    section = 0
    prev_prefix = None
    while len(lines) < lines_wanted:
        section += 1
        prefix = f"SVC{section:04d}"
        lines.append(f"# ---- service {section}: {rng.choice(WORDS)} ----")
        if rng.random() < 0.3:
            lines.append("# Values below are read by the container at start-up.")
        for setting in sorted(rng.sample(SETTINGS, rng.randint(8, 20))):
            value = value_for(setting, prefix, rng)
            if prev_prefix and setting == "DATABASE_URL" and rng.random() < 0.2:
                # `${VAR}` reference to a key defined earlier in the file (the previous section).
                value = f"postgresql://app:${{{prev_prefix}_DB_PASSWORD}}@db:5432/app"
            lines.append(f"{prefix}_{setting}={value}")
        lines.append("")
        prev_prefix = prefix
    lines = lines[:lines_wanted]
    return lines


COMPOSE = """\
# Benchmark input: a compose file reading the big env file both as the project `.env`
# (interpolation) and as every service's `env_file:` (container environment).
services:
  web:
    image: "nginx:${SVC0001_IMAGE_TAG:-1.27}"
    env_file: .env
    ports:
      - "127.0.0.1:${SVC0001_PORT:-8080}:80"
    depends_on:
      - api
  api:
    image: "registry.example.com/api:${SVC0002_IMAGE_TAG:-latest}"
    env_file: .env
    environment:
      DATABASE_URL: ${SVC0002_DATABASE_URL:-postgresql://app@db/app}
      LOG_LEVEL: ${SVC0002_LOG_LEVEL:-info}
    depends_on:
      - db
  worker:
    image: "registry.example.com/api:${SVC0002_IMAGE_TAG:-latest}"
    env_file: .env
    command: ["worker", "--concurrency", "${SVC0003_WORKERS:-2}"]
  db:
    image: postgres:16
    environment:
      POSTGRES_PASSWORD: ${SVC0004_DB_PASSWORD:-change-me}
    volumes:
      - db-data:/var/lib/postgresql/data
volumes:
  db-data:
"""


def main() -> None:
    out = Path(sys.argv[1])
    lines_wanted = int(sys.argv[2]) if len(sys.argv) > 2 else 50_000
    out.mkdir(parents=True, exist_ok=True)
    lines = generate(lines_wanted, random.Random(20240601))
    (out / ".env").write_text("\n".join(lines) + "\n")
    (out / "compose.yaml").write_text(COMPOSE)


if __name__ == "__main__":
    main()
