"""The production files (Dockerfile, docker-compose.yml, deploy/) against what the code expects.

Docker is not needed: the files are parsed, compose's ${...} is filled in from
deploy/env.example as `cp deploy/env.example .env` would, and Rasa's from each Rasa
service's environment. Each rule is also run on a deliberately broken copy of the files,
to show it can fail.
"""

from __future__ import annotations

import ast
import json
import re
import shutil
import tempfile
from collections.abc import Callable
from functools import cache
from pathlib import Path
from urllib.parse import urlparse

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
FILES = ["docker-compose.yml", "Dockerfile", ".dockerignore", "deploy/endpoints.yml",
         "deploy/credentials.yml", "deploy/rasa-logging.yml", "deploy/env.example",
         "deploy/Caddyfile", "bot/config.py",
         "requirements/rasa.lock"]
ENV_EXAMPLE = "deploy/env.example"
SECRET_WORDS = ("TOKEN", "SECRET", "KEY", "PASSWORD")
RESTART_POLICIES = {"always", "unless-stopped", "on-failure"}
TELEGRAM_WEBHOOK_PORTS = {443, 80, 88, 8443}

# compose: $$ (a literal $), ${NAME}, ${NAME:?message}, ${NAME:-default} and friends, $NAME
COMPOSE_VARIABLE = re.compile(
    r"\$\$|\$\{([A-Za-z_]\w*)(?:(:?[-?+])([^}]*))?\}|\$([A-Za-z_]\w*)")
RASA_VARIABLE = re.compile(r"\$\{(\w+)\}")
CADDY_VARIABLE = re.compile(r"\{\$(\w+)(?::[^}]*)?\}")
Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
Dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


@cache
def _parsed(text: str) -> str:
    return json.dumps(yaml.load(text, Loader=Loader))


def load_yaml(text: str) -> object:
    """A fresh copy each time (YAML anchors share objects, and a broken copy must break
    one service only), parsed once per content."""
    return json.loads(_parsed(text))


class Deployment:
    """The deployment files under one root: the repository, or a copy to break."""

    def __init__(self, root: Path) -> None:
        self.root = root

    @classmethod
    def copy(cls, target: Path) -> Deployment:
        for name in FILES:
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(ROOT / name, target / name)
        return cls(target)

    def text(self, name: str) -> str:
        return (self.root / name).read_text()

    def write(self, name: str, text: str) -> None:
        (self.root / name).write_text(text)

    def replace(self, name: str, old: str, new: str) -> None:
        text = self.text(name)
        assert old in text, f"{old!r} is not in {name}"
        self.write(name, text.replace(old, new, 1))

    # --- compose ---------------------------------------------------------------------------
    def compose_raw(self) -> dict:
        return load_yaml(self.text("docker-compose.yml"))  # type: ignore[return-value]

    def edit_compose(self, change: Callable[[dict], object]) -> None:
        compose = self.compose_raw()
        change(compose)
        self.write("docker-compose.yml", yaml.dump(compose, Dumper=Dumper, sort_keys=False))

    def compose_variables(self) -> set[str]:
        """The ${NAME} compose fills in (not $$, not in comments)."""
        return {m.group(1) or m.group(4) for value in _strings(self.compose_raw())
                for m in COMPOSE_VARIABLE.finditer(value) if m.group(0) != "$$"}

    def compose(self) -> dict:
        """docker-compose.yml with ${...} filled in from .env = deploy/env.example, secrets
        (empty there) filled with a stand-in."""
        return json.loads(_filled_compose(self.text("docker-compose.yml"),
                                          self.text(ENV_EXAMPLE)))

    def services(self) -> dict[str, dict]:
        return self.compose()["services"]

    # --- deploy/env.example ----------------------------------------------------------------
    def env_assigned(self) -> dict[str, str]:
        """NAME=value lines: what a .env copied from it sets."""
        return _assigned(self.text(ENV_EXAMPLE))

    def env_listed(self) -> set[str]:
        """Also the optional ones, listed commented out (# NAME=default)."""
        return {m.group(1) for m in re.finditer(r"^#?\s*([A-Z][A-Z0-9_]*)=",
                                                self.text(ENV_EXAMPLE), re.MULTILINE)}

    # --- bot/config.py ---------------------------------------------------------------------
    def settings_variables(self) -> dict[str, str | None]:
        """Every environment variable bot/config.py reads, with its default: None when it
        has none, "" when it is empty, else a description of it."""
        tree = ast.parse(self.text("bot/config.py"))
        environ_names = {target.id for node in ast.walk(tree) if isinstance(node, ast.Assign)
                         and _is_environ(node.value, set())
                         for target in node.targets if isinstance(target, ast.Name)}
        found: dict[str, str | None] = {}
        for node in ast.walk(tree):
            name, default = None, None
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                    and node.args and _is_string(node.args[0])):
                receiver = node.func.value
                if ((node.func.attr == "get" and _is_environ(receiver, environ_names))
                        or (node.func.attr == "getenv" and ast.unparse(receiver) == "os")):
                    name = node.args[0].value
                if name and len(node.args) > 1:
                    default_node = node.args[1]
                    default = (default_node.value if isinstance(default_node, ast.Constant)
                               else ast.unparse(default_node))
            elif (isinstance(node, ast.Subscript) and _is_environ(node.value, environ_names)
                  and _is_string(node.slice)):
                name = node.slice.value
            if name:
                found[name] = default
        return found


def _assigned(env_file: str) -> dict[str, str]:
    found = {}
    for line in env_file.splitlines():
        if m := re.fullmatch(r"([A-Z][A-Z0-9_]*)=(.*)", line.strip()):
            found[m.group(1)] = m.group(2).strip()
    return found


@cache
def _filled_compose(compose: str, env_file: str) -> str:
    values = {name: value or f"example-{name.lower().replace('_', '-')}"
              for name, value in _assigned(env_file).items()}

    def fill(value: object) -> object:
        if isinstance(value, str):
            return COMPOSE_VARIABLE.sub(lambda m: _compose_value(m, values), value)
        if isinstance(value, list):
            return [fill(item) for item in value]
        if isinstance(value, dict):
            return {key: fill(item) for key, item in value.items()}
        return value

    return json.dumps(fill(load_yaml(compose)))


def _compose_value(match: re.Match, values: dict[str, str]) -> str:
    if match.group(0) == "$$":
        return "$"
    name, operator, argument = match.group(1) or match.group(4), match.group(2), match.group(3)
    value = values.get(name)
    is_set = value is not None and (bool(value) or not (operator or "").startswith(":"))
    if operator in (":-", "-"):
        return value if is_set else argument  # type: ignore[return-value]
    if operator in (":+", "+"):
        return argument if is_set else ""
    return value or ""


def _strings(value: object) -> list[str]:
    if isinstance(value, str):
        return [value]
    items = value.values() if isinstance(value, dict) else value if isinstance(value, list) else []
    return [text for item in items for text in _strings(item)]


def _is_string(node: ast.AST) -> bool:
    return isinstance(node, ast.Constant) and isinstance(node.value, str)


def _is_environ(node: ast.AST, names: set[str]) -> bool:
    return ast.unparse(node) == "os.environ" or (isinstance(node, ast.Name) and node.id in names)


# --- services: what each one is -----------------------------------------------------------

def _words(command: object) -> list[str]:
    return command.split() if isinstance(command, str) else list(command or [])


def _environment(service: dict) -> dict[str, str]:
    environment = service.get("environment") or {}
    if isinstance(environment, list):
        return dict(item.split("=", 1) if "=" in item else (item, "") for item in environment)
    return {key: "" if value is None else str(value) for key, value in environment.items()}


def _env_files(service: dict) -> list[str]:
    files = service.get("env_file") or []
    files = [files] if isinstance(files, str | dict) else files
    return [item["path"] if isinstance(item, dict) else item for item in files]


def _mounts(service: dict) -> dict[str, str]:
    """container path -> host path of the bind mounts (short syntax)."""
    mounts = {}
    for volume in service.get("volumes") or []:
        if isinstance(volume, str) and volume.startswith((".", "/")):
            source, target = volume.split(":")[:2]
            mounts[target] = source.removeprefix("./")
    return mounts


def role(service: dict) -> str:
    image = service.get("image", "")
    command = " ".join(_words(service.get("command")))
    if image.startswith("rasa/rasa"):
        return "rasa"
    if "deploy/Caddyfile" in _mounts(service).values():
        return "proxy"
    if "serve_actions" in command or command.endswith(" actions"):
        return "actions"
    if command.endswith(" frontend"):
        return "frontend"
    return image.split(":")[0]


def with_role(services: dict[str, dict], wanted: str) -> dict[str, dict]:
    return {name: service for name, service in services.items() if role(service) == wanted}


def app_services(services: dict[str, dict]) -> dict[str, dict]:
    return {**with_role(services, "frontend"), **with_role(services, "actions")}


def rasa_option(service: dict, option: str) -> str | None:
    words = _words(service.get("command"))
    return words[words.index(option) + 1] if option in words[:-1] else None


def rasa_version(d: Deployment) -> str:
    return re.search(r"^rasa==(\S+)$", d.text("requirements/rasa.lock"), re.MULTILINE).group(1)


# --- the rules: each returns what is wrong ------------------------------------------------

def settings_reach_the_app(d: Deployment) -> list[str]:
    """Every variable bot/config.py reads reaches the front end and the action servers: set
    by docker-compose.yml where it is needed, or listed in deploy/env.example, which every
    one of them reads as env_file: .env. One without a default is set in a service or has
    a NAME= line there, not only a commented one."""
    problems = []
    assigned, listed = d.env_assigned(), d.env_listed()
    services = app_services(d.services())
    set_in_compose = {variable for service in services.values()
                      for variable in _environment(service)}
    problems += [f"{name}: does not read .env (env_file)" for name, service in services.items()
                 if ".env" not in _env_files(service)]
    for variable, default in d.settings_variables().items():
        if variable in set_in_compose:
            continue
        if default is None and variable not in assigned:
            problems.append(f"{ENV_EXAMPLE}: {variable} has no default: needs a "
                            f"{variable}= line")
        elif variable not in listed:
            problems.append(f"{ENV_EXAMPLE}: {variable} is not listed")
    return problems


def no_empty_value_replaces_a_default(d: Deployment) -> list[str]:
    """An empty value replaces a default (float("") fails at start-up)."""
    problems = []
    defaults = {name: default for name, default in d.settings_variables().items() if default}
    for variable, value in d.env_assigned().items():
        if variable in defaults and not value:
            problems.append(f"{ENV_EXAMPLE}: {variable}= is empty; its default is "
                            f"{defaults[variable]!r}: comment it out instead")
    for name, service in app_services(d.services()).items():
        for variable, value in _environment(service).items():
            if variable in defaults and not value:
                problems.append(f"{name}: {variable} is empty")
    return problems


def no_secrets_in_env_example(d: Deployment) -> list[str]:
    return [f"{ENV_EXAMPLE}: {name} has a value; secrets stay empty there"
            for name, value in d.env_assigned().items()
            if any(word in name for word in SECRET_WORDS) and value]


def compose_variables_are_in_env_example(d: Deployment) -> list[str]:
    """Compose fills ${NAME} from .env: a .env copied from env.example must have them all."""
    assigned = d.env_assigned()
    return [f"docker-compose.yml uses ${{{name}}}, which {ENV_EXAMPLE} does not set"
            for name in sorted(d.compose_variables()) if name not in assigned]


def every_service_is_checked_and_restarted(d: Deployment) -> list[str]:
    problems = []
    services = d.services()
    for name, service in services.items():
        check = service.get("healthcheck") or {}
        if check.get("disable") or _words(check.get("test"))[:1] in ([], ["NONE"]):
            problems.append(f"{name}: no healthcheck")
        if str(service.get("restart")).split(":")[0] not in RESTART_POLICIES:
            problems.append(f"{name}: restart is {service.get('restart')!r}")
        depends_on = service.get("depends_on") or {}
        if isinstance(depends_on, list):
            problems.append(f"{name}: depends_on without condition: service_healthy")
            continue
        for other, condition in depends_on.items():
            if other not in services:
                problems.append(f"{name}: depends on {other}, which is no service")
            elif condition.get("condition") != "service_healthy":
                problems.append(f"{name}: waits for {other} without service_healthy")
    return problems


def only_the_proxy_publishes_ports(d: Deployment) -> list[str]:
    services = d.services()
    problems = [f"{name} publishes ports" for name, service in services.items()
                if service.get("ports") and role(service) != "proxy"]
    proxies = with_role(services, "proxy")
    if len(proxies) != 1:
        problems.append(f"one proxy expected (mounting deploy/Caddyfile), found {len(proxies)}")
    for name, proxy in proxies.items():
        published = {_published(port) for port in proxy.get("ports") or []}
        if not published & TELEGRAM_WEBHOOK_PORTS:
            problems.append(f"{name} publishes none of Telegram's webhook ports")
    return problems


def _published(port: object) -> int:
    """The host port of a ports entry: "443", "443:443", "0.0.0.0:443:443/tcp" or a mapping."""
    if isinstance(port, dict):
        return int(port.get("published") or port["target"])
    parts = str(port).split("/")[0].split(":")
    return int(parts[-2] if len(parts) > 1 else parts[0])


def replicas_are_wired(d: Deployment) -> list[str]:
    """Two or more Rasa servers and action servers; the front end knows every Rasa server;
    every action server is some Rasa server's."""
    services = d.services()
    rasas, actions = with_role(services, "rasa"), with_role(services, "actions")
    problems = []
    if len(rasas) < 2 or len(actions) < 2:
        problems.append(f"{len(rasas)} Rasa and {len(actions)} action servers; 2 or more each")
    for name, frontend in with_role(services, "frontend").items():
        urls = _environment(frontend).get("RASA_URL", "").split(",")
        expected = {f"http://{rasa}:{rasa_option(service, '--port') or 5005}"
                    for rasa, service in rasas.items()}
        if set(urls) != expected:
            problems.append(f"{name}: RASA_URL {urls} is not {sorted(expected)}")
    used = set()
    for name, service in rasas.items():
        endpoints = _rasa_endpoints(d, service)
        url = urlparse(str((endpoints.get("action_endpoint") or {}).get("url", "")))
        target = actions.get(url.hostname or "")
        if target is None:
            problems.append(f"{name}: action endpoint {url.geturl()} is no action server")
            continue
        used.add(url.hostname)
        port = _environment(target).get("ACTION_SERVER_PORT",
                                        d.settings_variables()["ACTION_SERVER_PORT"])
        if str(url.port) != port:
            problems.append(f"{name}: {url.hostname} does not listen on {url.port}")
    problems += [f"{name}: no Rasa server uses it" for name in sorted(set(actions) - used)]
    return problems


def images_are_pinned(d: Deployment) -> list[str]:
    problems = []
    images = {name: service["image"] for name, service in d.services().items()
              if "image" in service}
    stages: set[str] = set()
    for line in _instructions(d.text("Dockerfile")):
        if m := re.match(r"FROM\s+(?:--\S+\s+)*(\S+)(?:\s+AS\s+(\S+))?", line, re.IGNORECASE):
            if m.group(1) not in stages:
                images[f"Dockerfile FROM {m.group(1)}"] = m.group(1)
            stages.add(m.group(2) or "")
    for name, image in images.items():
        tag = image.split("@")[0].rsplit("/", 1)[-1].partition(":")[2]
        if "@sha256:" not in image and (not tag or tag == "latest"):
            problems.append(f"{name}: image {image} is not pinned")
    version = rasa_version(d)
    for name, service in with_role(d.services(), "rasa").items():
        if not re.fullmatch(rf"rasa/rasa:{re.escape(version)}(-[\w.-]+)?", service["image"]):
            problems.append(f"{name}: {service['image']} is not Rasa {version} "
                            "(requirements/rasa.lock, what `make train` trains with)")
    return problems


def rasa_runs_with_the_deploy_files(d: Deployment) -> list[str]:
    problems = []
    for name, service in with_role(d.services(), "rasa").items():
        words, mounts = _words(service.get("command")), _mounts(service)
        if words[:1] != ["run"] or "--enable-api" not in words:
            problems.append(f"{name}: not `run --enable-api`")
        if not rasa_option(service, "--auth-token"):
            problems.append(f"{name}: the HTTP API has no --auth-token")
        for option, source in (("--endpoints", "deploy/endpoints.yml"),
                               ("--credentials", "deploy/credentials.yml"),
                               ("--logging-config-file", "deploy/rasa-logging.yml"),
                               ("--model", "models")):
            path = rasa_option(service, option)
            if mounts.get(path or "") != source:
                problems.append(f"{name}: {option} {path} is not ./{source} mounted")
    if "rest" not in (load_yaml(d.text("deploy/credentials.yml")) or {}):
        problems.append("deploy/credentials.yml: no REST channel for the front end")
    from bot.launcher import write_logging_config

    with tempfile.TemporaryDirectory() as folder:
        quiet = yaml.safe_load(write_logging_config(Path(folder) / "logging.yml").read_text())
    if load_yaml(d.text("deploy/rasa-logging.yml")) != quiet:
        problems.append("deploy/rasa-logging.yml: not what bot/launcher.py gives Rasa; "
                        "client text could reach Rasa's log")
    return problems


def endpoints_match_the_launcher(d: Deployment) -> list[str]:
    """Each Rasa server gets what bot/launcher.py gives Rasa in `make run` and the tests
    (action endpoint, NLG, SQL tracker store in the app's database), plus Redis locks."""
    from bot.launcher import write_endpoints

    services = d.services()
    problems = []
    for node in _scalar_nodes(yaml.compose(d.text("deploy/endpoints.yml"))):
        if node.style in ("'", '"') and "${" in node.value:
            problems.append(f"deploy/endpoints.yml: {node.value} is quoted; Rasa fills in "
                            "${...} only in plain values")
    database_urls = {name: _environment(service).get("DATABASE_URL")
                     for name, service in app_services(services).items()}
    if len(set(database_urls.values())) != 1:
        problems.append(f"the app services use different databases: {database_urls}")
    database_url = next(iter(database_urls.values()), None) or ""
    if not database_url.startswith("postgresql"):
        problems.append(f"DATABASE_URL {database_url!r} is not PostgreSQL")
    elif urlparse(database_url).hostname not in with_role(services, "postgres"):
        problems.append(f"DATABASE_URL {database_url!r} is not the postgres service")
    for name, service in with_role(services, "rasa").items():
        missing = sorted(set(RASA_VARIABLE.findall(d.text("deploy/endpoints.yml")))
                         - set(_environment(service)))
        if missing:
            problems.append(f"{name}: deploy/endpoints.yml needs {missing}; Rasa stops")
            continue
        endpoints = _rasa_endpoints(d, service)
        action_url = str((endpoints.get("action_endpoint") or {}).get("url", ""))
        with tempfile.TemporaryDirectory() as folder:
            expected = yaml.safe_load(write_endpoints(
                Path(folder) / "endpoints.yml", action_url.rsplit("/", 1)[0],
                database_url).read_text())
        for key, value in expected.items():
            if endpoints.get(key) != value:
                problems.append(f"{name}: {key} is {endpoints.get(key)}; the launcher "
                                f"gives {value}")
        lock = endpoints.get("lock_store") or {}
        if lock.get("type") != "redis" or lock.get("url") not in with_role(services, "redis"):
            problems.append(f"{name}: lock store {lock} is not the redis service")
    return problems


def the_proxy_reaches_the_webhook(d: Deployment) -> list[str]:
    services = d.services()
    problems = []
    for proxy_name, proxy in with_role(services, "proxy").items():
        environment = _environment(proxy)
        caddyfile = "\n".join(line for line in d.text("deploy/Caddyfile").splitlines()
                              if not line.lstrip().startswith("#"))
        missing = sorted(set(CADDY_VARIABLE.findall(caddyfile)) - set(environment))
        if missing:
            problems.append(f"{proxy_name}: deploy/Caddyfile needs {missing}")
        caddyfile = CADDY_VARIABLE.sub(lambda m, env=environment: env.get(m.group(1), ""),
                                       caddyfile)
        targets = re.findall(r"^\s*reverse_proxy\s+(?:/\S*\s+)?(\S+)", caddyfile, re.MULTILINE)
        for name, frontend in with_role(services, "frontend").items():
            settings = _environment(frontend)
            webhook = urlparse(settings.get("TELEGRAM_WEBHOOK_URL", ""))
            if webhook.scheme != "https":
                problems.append(f"{name}: TELEGRAM_WEBHOOK_URL is not https")
            if settings.get("TELEGRAM_WEBHOOK_LISTEN") not in ("0.0.0.0", "::"):
                problems.append(f"{name}: the webhook server does not listen on all "
                                "interfaces; the proxy cannot reach it")
            port = settings.get("TELEGRAM_WEBHOOK_PORT",
                                d.settings_variables()["TELEGRAM_WEBHOOK_PORT"])
            target = f"{name}:{port}"
            if target not in targets:
                problems.append(f"deploy/Caddyfile proxies to {targets}, not {target}")
            if not re.search(rf"^{re.escape(webhook.hostname or '-')}\s*{{", caddyfile,
                             re.MULTILINE):
                problems.append(f"deploy/Caddyfile serves no site {webhook.hostname}")
            if not re.search(rf"\s{re.escape(webhook.path or '-')}\s", caddyfile):
                problems.append(f"deploy/Caddyfile does not route {webhook.path}")
    return problems


def the_database_has_a_volume(d: Deployment) -> list[str]:
    compose = d.compose()
    problems = []
    for name, service in with_role(compose["services"], "postgres").items():
        volumes = [v for v in service.get("volumes") or [] if isinstance(v, str)]
        named = [v.split(":")[0] for v in volumes
                 if v.split(":")[1] == "/var/lib/postgresql/data"]
        if not named or named[0] not in (compose.get("volumes") or {}):
            problems.append(f"{name}: /var/lib/postgresql/data is not on a named volume")
    if not with_role(compose["services"], "postgres"):
        problems.append("no postgres service")
    return problems


def the_image_is_multi_stage_and_not_root(d: Deployment) -> list[str]:
    instructions = _instructions(d.text("Dockerfile"))
    starts = [i for i, line in enumerate(instructions) if line.upper().startswith("FROM ")]
    problems = []
    if len(starts) < 2:
        problems.append("Dockerfile: one stage; build and runtime stages expected")
    final = instructions[starts[-1]:] if starts else instructions
    users = [line.split()[1] for line in final if line.upper().startswith("USER ")]
    if not users or users[-1].split(":")[0] in ("root", "0"):
        problems.append(f"Dockerfile: the final stage runs as {users[-1] if users else 'root'}")
    if not any(re.match(r"COPY\s.*--from=", line, re.IGNORECASE) for line in final):
        problems.append("Dockerfile: the final stage copies nothing from the build stage")
    if not any(line.upper().startswith("HEALTHCHECK ") for line in final):
        problems.append("Dockerfile: no HEALTHCHECK")
    problems += [f"{name}: runs as root" for name, service in d.services().items()
                 if str(service.get("user", "")).split(":")[0] in ("root", "0")]
    return problems


def the_build_context_is_lean(d: Deployment) -> list[str]:
    rules = [line.strip() for line in d.text(".dockerignore").splitlines()
             if line.strip() and not line.startswith("#")]
    problems = [f".dockerignore lets {path} into the image" for path in (
        ".env", ".git/HEAD", ".venv/bin/python", ".venv-rasa/bin/rasa", "var/assistant.db",
        "models/model.tar.gz", "tests/unit/test_store.py", "bot/__pycache__/x.pyc")
        if not _ignored(path, rules)]
    needed = ["bot/__main__.py", "dialogues/responses/conversation.yml",
              "content/gemeenten/x.yml", "pyproject.toml", "requirements/app.lock"]
    needed += [word.removeprefix("/app/") for service in app_services(d.services()).values()
               for word in _words(service.get("command")) + _words(
                   (service.get("healthcheck") or {}).get("test")) if "deploy/" in word]
    problems += [f".dockerignore keeps {path} out of the image" for path in needed
                 if _ignored(path, rules)]
    return problems


RULES: dict[str, Callable[[Deployment], list[str]]] = {rule.__name__: rule for rule in (
    settings_reach_the_app, no_empty_value_replaces_a_default, no_secrets_in_env_example,
    compose_variables_are_in_env_example, every_service_is_checked_and_restarted,
    only_the_proxy_publishes_ports, replicas_are_wired, images_are_pinned,
    rasa_runs_with_the_deploy_files, endpoints_match_the_launcher,
    the_proxy_reaches_the_webhook, the_database_has_a_volume,
    the_image_is_multi_stage_and_not_root, the_build_context_is_lean)}


# --- helpers of the rules -----------------------------------------------------------------

def _rasa_endpoints(d: Deployment, service: dict) -> dict:
    """deploy/endpoints.yml as this Rasa server reads it: ${NAME} from its environment."""
    environment = _environment(service)

    def fill(value: object) -> object:
        if isinstance(value, str) and "${" in value:
            return RASA_VARIABLE.sub(lambda m: environment.get(m.group(1), m.group(0)), value)
        if isinstance(value, dict):
            return {key: fill(item) for key, item in value.items()}
        return value

    return fill(load_yaml(d.text("deploy/endpoints.yml")) or {})  # type: ignore[return-value]


def _scalar_nodes(node: yaml.Node | None) -> list[yaml.ScalarNode]:
    if isinstance(node, yaml.ScalarNode):
        return [node]
    if isinstance(node, yaml.MappingNode):
        return [n for pair in node.value for child in pair for n in _scalar_nodes(child)]
    if isinstance(node, yaml.SequenceNode):
        return [n for child in node.value for n in _scalar_nodes(child)]
    return []


def _instructions(dockerfile: str) -> list[str]:
    """One line per instruction: continuations joined, comments dropped."""
    lines, current = [], ""
    for raw in dockerfile.splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        current += " " + line.removesuffix("\\").strip()
        if not line.endswith("\\"):
            lines.append(current.strip())
            current = ""
    return lines


def _pattern(rule: str) -> re.Pattern:
    out, i = "", 0
    while i < len(rule):
        if rule.startswith("**/", i):
            out, i = out + "(?:.*/)?", i + 3
        elif rule.startswith("**", i):
            out, i = out + ".*", i + 2
        else:
            out += {"*": "[^/]*", "?": "[^/]"}.get(rule[i], re.escape(rule[i]))
            i += 1
    return re.compile(out)


def _ignored(path: str, rules: list[str]) -> bool:
    """.dockerignore: the last rule matching the path or a folder above it decides."""
    parts = path.split("/")
    prefixes = ["/".join(parts[:i]) for i in range(1, len(parts) + 1)]
    ignored = False
    for rule in rules:
        pattern = _pattern(rule.removeprefix("!").strip("/"))
        if any(pattern.fullmatch(prefix) for prefix in prefixes):
            ignored = not rule.startswith("!")
    return ignored


# --- broken copies: each must be caught by its rule ---------------------------------------

def _service(name: str, change: Callable[[dict], object]) -> Callable[[Deployment], None]:
    return lambda d: d.edit_compose(lambda compose: change(compose["services"][name]))


def _first(role_name: str, change: Callable[[dict], object]) -> Callable[[Deployment], None]:
    def edit(compose: dict) -> None:
        name = next(n for n, s in compose["services"].items() if role(s) == role_name)
        change(compose["services"][name])
    return lambda d: d.edit_compose(edit)


def _last(role_name: str, change: Callable[[dict], object]) -> Callable[[Deployment], None]:
    def edit(compose: dict) -> None:
        name = [n for n, s in compose["services"].items() if role(s) == role_name][-1]
        change(compose["services"][name])
    return lambda d: d.edit_compose(edit)


def _drop_service(role_name: str) -> Callable[[Deployment], None]:
    def edit(compose: dict) -> None:
        name = [n for n, s in compose["services"].items() if role(s) == role_name][-1]
        del compose["services"][name]
    return lambda d: d.edit_compose(edit)


def _edit_endpoints(change: Callable[[dict], object]) -> Callable[[Deployment], None]:
    def edit(d: Deployment) -> None:
        endpoints = load_yaml(d.text("deploy/endpoints.yml"))
        change(endpoints)
        d.write("deploy/endpoints.yml", yaml.dump(endpoints, Dumper=Dumper, sort_keys=False))
    return edit


def _set_env(key: str, value: str) -> Callable[[dict], None]:
    return lambda service: service.setdefault("environment", {}).__setitem__(key, value)


def _comment_out(name: str) -> Callable[[Deployment], None]:
    return lambda d: d.write(ENV_EXAMPLE, re.sub(rf"^{name}=", f"# {name}=",
                                                 d.text(ENV_EXAMPLE), flags=re.MULTILINE))


BROKEN: list[tuple[str, str, Callable[[Deployment], None]]] = [
    ("settings_reach_the_app", "config reads a new variable",
     lambda d: d.replace("bot/config.py", "env.get(\"STAFF_CHAT_ID\")",
                         "env.get(\"STAFF_CHAT_ID\") or env.get(\"STAFF_CHAT_ID_NEW\")")),
    ("settings_reach_the_app", "an action server without env_file",
     _last("actions", lambda s: s.pop("env_file"))),
    ("settings_reach_the_app", "a variable without default commented out",
     _comment_out("STAFF_CHAT_ID")),
    ("no_empty_value_replaces_a_default", "empty retention in env.example",
     lambda d: d.replace(ENV_EXAMPLE, "# NOTES_RETENTION_DAYS=365", "NOTES_RETENTION_DAYS=")),
    ("no_empty_value_replaces_a_default", "empty port in the front end",
     _first("frontend", _set_env("TELEGRAM_WEBHOOK_PORT", ""))),
    ("no_secrets_in_env_example", "a token in env.example",
     lambda d: d.replace(ENV_EXAMPLE, "\nTELEGRAM_TOKEN=\n", "\nTELEGRAM_TOKEN=123:AAH\n")),
    ("compose_variables_are_in_env_example", "compose uses an undeclared variable",
     _first("frontend", _set_env("DEFAULT_LANGUAGE", "${UNDECLARED_LANGUAGE}"))),
    ("compose_variables_are_in_env_example", "a compose variable commented out",
     _comment_out("POSTGRES_DB")),
    ("every_service_is_checked_and_restarted", "redis without healthcheck",
     _service("redis", lambda s: s.pop("healthcheck"))),
    ("every_service_is_checked_and_restarted", "healthcheck disabled",
     _first("rasa", lambda s: s.__setitem__("healthcheck", {"disable": True}))),
    ("every_service_is_checked_and_restarted", "proxy without restart",
     _first("proxy", lambda s: s.pop("restart"))),
    ("every_service_is_checked_and_restarted", "depends_on without condition",
     _first("frontend", lambda s: s.__setitem__("depends_on", list(s["depends_on"])))),
    ("only_the_proxy_publishes_ports", "postgres published",
     _service("postgres", lambda s: s.__setitem__("ports", ["5432:5432"]))),
    ("only_the_proxy_publishes_ports", "proxy on a port Telegram does not use",
     _first("proxy", lambda s: s.__setitem__("ports", ["8080:443"]))),
    ("replicas_are_wired", "one Rasa server", _drop_service("rasa")),
    ("replicas_are_wired", "one action server", _drop_service("actions")),
    ("replicas_are_wired", "RASA_URL misses a replica",
     _first("frontend", _set_env("RASA_URL", "http://rasa-1:5005"))),
    ("replicas_are_wired", "both Rasa servers on one action server",
     _last("rasa", _set_env("ACTION_SERVER_URL", "http://actions-1:5055"))),
    ("images_are_pinned", "postgres:latest",
     _service("postgres", lambda s: s.__setitem__("image", "postgres:latest"))),
    ("images_are_pinned", "redis without tag",
     _service("redis", lambda s: s.__setitem__("image", "redis"))),
    ("images_are_pinned", "another Rasa version",
     _last("rasa", lambda s: s.__setitem__("image", "rasa/rasa:3.5.17"))),
    ("images_are_pinned", "Dockerfile FROM latest",
     lambda d: d.replace("Dockerfile", "FROM python:3.11-slim AS runtime",
                         "FROM python:latest AS runtime")),
    ("rasa_runs_with_the_deploy_files", "without --enable-api",
     _first("rasa", lambda s: s["command"].remove("--enable-api"))),
    ("rasa_runs_with_the_deploy_files", "endpoints not mounted",
     _last("rasa", lambda s: s.__setitem__("volumes", [v for v in s["volumes"]
                                                      if "endpoints" not in v]))),
    ("rasa_runs_with_the_deploy_files", "no REST channel",
     lambda d: d.write("deploy/credentials.yml", "socketio:\n")),
    ("rasa_runs_with_the_deploy_files", "client text in Rasa's log",
     lambda d: d.write("deploy/rasa-logging.yml", "version: 1\n")),
    ("rasa_runs_with_the_deploy_files", "no logging config",
     _first("rasa", lambda s: s.__setitem__("volumes", [v for v in s["volumes"]
                                                       if "logging" not in v]))),
    ("endpoints_match_the_launcher", "in-memory lock store",
     _edit_endpoints(lambda e: e.__setitem__("lock_store", {"type": "in_memory"}))),
    ("endpoints_match_the_launcher", "SQLite tracker store",
     _edit_endpoints(lambda e: e["tracker_store"].__setitem__("dialect", "sqlite"))),
    ("endpoints_match_the_launcher", "domain sent on every call",
     _edit_endpoints(lambda e: e["action_endpoint"].pop("enable_selective_domain"))),
    ("endpoints_match_the_launcher", "NLG elsewhere",
     _edit_endpoints(lambda e: e["nlg"].__setitem__("url", "http://nlg:5056/nlg"))),
    ("endpoints_match_the_launcher", "quoted variable",
     lambda d: d.replace("deploy/endpoints.yml", "db: ${POSTGRES_DB}",
                         'db: "${POSTGRES_DB}"')),
    ("endpoints_match_the_launcher", "a Rasa server without the database name",
     _last("rasa", lambda s: s["environment"].pop("POSTGRES_DB"))),
    ("endpoints_match_the_launcher", "an action server on another database",
     _last("actions", _set_env("DATABASE_URL", "postgresql+psycopg://u:p@postgres:5432/other"))),
    ("the_proxy_reaches_the_webhook", "webhook server on loopback",
     _first("frontend", _set_env("TELEGRAM_WEBHOOK_LISTEN", "127.0.0.1"))),
    ("the_proxy_reaches_the_webhook", "proxy to the wrong port",
     lambda d: d.replace("deploy/Caddyfile", "reverse_proxy frontend:8443",
                         "reverse_proxy frontend:8080")),
    ("the_proxy_reaches_the_webhook", "proxy without the webhook path",
     _first("proxy", lambda s: s["environment"].pop("TELEGRAM_WEBHOOK_PATH"))),
    ("the_database_has_a_volume", "database in the container",
     _service("postgres", lambda s: s.pop("volumes"))),
    ("the_image_is_multi_stage_and_not_root", "no USER",
     lambda d: d.replace("Dockerfile", "USER 10001:10001", "")),
    ("the_image_is_multi_stage_and_not_root", "USER root",
     lambda d: d.replace("Dockerfile", "USER 10001:10001", "USER root")),
    ("the_image_is_multi_stage_and_not_root", "one stage",
     lambda d: d.write("Dockerfile", d.text("Dockerfile").split("FROM python:3.11-slim AS "
                                                                "runtime")[1])),
    ("the_image_is_multi_stage_and_not_root", "a service as root",
     _first("frontend", lambda s: s.__setitem__("user", "root"))),
    ("the_build_context_is_lean", "everything sent",
     lambda d: d.write(".dockerignore", "**/__pycache__\n")),
    ("the_build_context_is_lean", "dialogues left out",
     lambda d: d.replace(".dockerignore", "!dialogues\n", "")),
]


@pytest.mark.parametrize("rule", RULES)
def test_the_deployment_files_keep_the_rule(rule):
    assert RULES[rule](Deployment(ROOT)) == []


@pytest.mark.parametrize(("rule", "break_it"),
                         [pytest.param(rule, break_it, id=f"{rule}/{what.replace(' ', '-')}")
                          for rule, what, break_it in BROKEN])
def test_the_rule_catches_a_broken_copy(rule, break_it, tmp_path):
    deployment = Deployment.copy(tmp_path)
    assert RULES[rule](deployment) == []
    break_it(deployment)
    assert RULES[rule](deployment) != []


def test_every_rule_is_shown_to_fail():
    assert {rule for rule, _, _ in BROKEN} == set(RULES)


def test_the_settings_are_found_in_bot_config():
    found = Deployment(ROOT).settings_variables()
    assert found["TELEGRAM_TOKEN"] is None and found["DEFAULT_LANGUAGE"] == "nl"
    assert found["VAR_DIR"] and "SECRET_KEY" in found and len(found) > 15
