#!/usr/bin/env python3
"""Static checks of deploy/kubernetes/*.yaml, docker-compose.yml and .env.example.

kubernetes-validate checks the manifests against the Kubernetes schemas; this checks what the
schemas cannot: the promises the deployment makes (replicas, probes, non-root, read-only root,
no service-account token, limits, secrets wired to the `*_file` keys, Redis shared by the
replicas, the concurrency budget and its fallback within Jamf's limit) and that the compose file is complete and consistent with
.env.example. Prints one line per check and `deploy checks: N passed, M failed`.

With --emit-runtime DIR it also writes what .ci/validate-deploy.sh needs to run the real
binaries with these exact settings: the ConfigMap's TOML, the compose environment with
.env.example-style values, and the compose health-check commands.
"""

import argparse
import json
import re
import sys
import tomllib
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
K8S = ROOT / "deploy" / "kubernetes"
JAMF_MAX_CONCURRENCY = 5

results = []


def check(name, ok, detail=""):
    results.append(bool(ok))
    print(f"  {'ok  ' if ok else 'FAIL'} {name}{'' if ok or not detail else ': ' + str(detail)}")


def load_k8s():
    docs = {}
    for path in sorted(K8S.glob("*.yaml")):
        for doc in yaml.safe_load_all(path.read_text()):
            if doc:
                docs[(doc["kind"], doc.get("metadata", {}).get("name"))] = (path.name, doc)
    return docs


def check_kubernetes(emit):
    print("Kubernetes manifests")
    docs = load_k8s()
    kinds = {kind for kind, _ in docs}
    check("Deployment, Service, ConfigMap, Secret (example), PodDisruptionBudget, NetworkPolicy present",
          {"Deployment", "Service", "ConfigMap", "Secret", "PodDisruptionBudget", "NetworkPolicy"} <= kinds, kinds)
    _, dep = docs[("Deployment", "jamf-directory")]
    spec = dep["spec"]
    pod = spec["template"]["spec"]
    (c,) = pod["containers"]
    replicas = spec["replicas"]
    check("2 replicas", replicas == 2, replicas)
    check("selector matches template labels",
          spec["selector"]["matchLabels"].items() <= spec["template"]["metadata"]["labels"].items())
    check("liveness probe GET /health/live", c["livenessProbe"]["httpGet"]["path"] == "/health/live")
    check("readiness probe GET /health/ready", c["readinessProbe"]["httpGet"]["path"] == "/health/ready")
    port_names = {p["name"]: p["containerPort"] for p in c["ports"]}
    check("probes use the declared container port",
          all(c[p]["httpGet"]["port"] in port_names for p in ("livenessProbe", "readinessProbe")))
    res = c.get("resources", {})
    check("resource requests and limits (cpu, memory)",
          {"cpu", "memory"} <= set(res.get("requests", {})) and {"cpu", "memory"} <= set(res.get("limits", {})), res)
    psc, csc = pod.get("securityContext", {}), c.get("securityContext", {})
    check("non-root (runAsNonRoot, uid 10001 as in the Dockerfile)",
          psc.get("runAsNonRoot") is True and psc.get("runAsUser") == 10001)
    check("read-only root filesystem", csc.get("readOnlyRootFilesystem") is True)
    check("no privilege escalation, all capabilities dropped",
          csc.get("allowPrivilegeEscalation") is False and csc.get("capabilities", {}).get("drop") == ["ALL"])
    check("no service-account token automount", pod.get("automountServiceAccountToken") is False)

    # ConfigMap TOML: parses, and its *_file keys point into the Secret mount.
    _, cm = docs[("ConfigMap", "jamf-directory-config")]
    toml_text = cm["data"]["jamf-directory.toml"]
    try:
        cfg = tomllib.loads(toml_text)
        check("ConfigMap holds valid TOML", True)
    except tomllib.TOMLDecodeError as e:
        check("ConfigMap holds valid TOML", False, e)
        return
    mounts = {m["name"]: m for m in c["volumeMounts"]}
    vols = {v["name"]: v for v in pod["volumes"]}
    cfg_mount = next(m for m in c["volumeMounts"] if vols[m["name"]].get("configMap"))
    check("container reads the mounted TOML (serve --config <mount>)",
          c["args"][:1] == ["serve"] and cfg_mount["mountPath"] in c["args"], c["args"])
    secret_mount = mounts["secrets"]["mountPath"]
    secret_items = {i["path"]: i["key"] for i in vols["secrets"]["secret"]["items"]}
    _, secret = docs[("Secret", vols["secrets"]["secret"]["secretName"])]
    secret_keys = set(secret.get("stringData", {})) | set(secret.get("data", {}))
    file_keys = {f"{section}.{k}": v for section, table in cfg.items() if isinstance(table, dict)
                 for k, v in table.items() if k.endswith("_file")}
    check("every secret is a *_file key: signing and encryption keys, database and Redis URLs",
          {"auth.signing_key_file", "storage.encryption_key_file", "storage.database_url_file", "redis.url_file"}
          <= set(file_keys), file_keys)
    for key, path in file_keys.items():
        rel = path.removeprefix(secret_mount.rstrip("/") + "/")
        check(f"{key} -> {path} is a key of the mounted Secret",
              path.startswith(secret_mount) and rel in secret_items and secret_items[rel] in secret_keys)
    env_from_secrets = [e["name"] for e in c.get("env", []) if "secretKeyRef" in e.get("valueFrom", {})]
    check("no Secret passed as an environment variable (mounted files only)",
          not env_from_secrets and not c.get("envFrom"), env_from_secrets)
    string_data = secret.get("stringData", {})
    check("the Secret example's Redis URL is redis:// or rediss://",
          re.match(r"rediss?://", str(string_data.get(secret_items.get("redis-url"), ""))))
    check("the Secret example's database URL is PostgreSQL (required to scale out)",
          str(string_data.get(secret_items.get("database-url"), "")).startswith("postgres"))
    clients = cfg.get("auth", {}).get("clients", [])
    check("the ConfigMap's caller clients each have an id, a secret hash, scopes and tenants",
          bool(clients) and all({"client_id", "client_secret_sha256", "scopes", "tenants"} <= set(cl) for cl in clients),
          clients)
    check("the ConfigMap defines no redis.url or database_url (they carry passwords)",
          "url" not in cfg.get("redis", {}) and "database_url" not in cfg.get("storage", {}))
    metrics = cfg.get("server", {}).get("metrics_listen", "")
    check("metrics on their own listener, a declared container port, the scrape annotation's",
          metrics.endswith(":9100") and port_names.get("metrics") == 9100
          and spec["template"]["metadata"].get("annotations", {}).get("prometheus.io/port") == "9100", metrics)
    _, policy = docs.get(("NetworkPolicy", "jamf-directory"), (None, {}))
    pspec = policy.get("spec", {})
    check("a NetworkPolicy selects the pods, for ingress and egress",
          pspec.get("podSelector", {}).get("matchLabels", {}).items() <= spec["template"]["metadata"]["labels"].items()
          and bool(pspec.get("podSelector", {}).get("matchLabels")) and set(pspec.get("policyTypes", [])) == {"Ingress", "Egress"})
    ingress = {p["port"] for rule in pspec.get("ingress", []) for p in rule.get("ports", [])}
    check("ingress only on the container ports", ingress == set(port_names.values()), ingress)
    egress = {(p.get("protocol", "TCP"), p["port"]) for rule in pspec.get("egress", []) for p in rule.get("ports", [])}
    check("egress only DNS, PostgreSQL, Redis and HTTPS",
          all(rule.get("ports") for rule in pspec.get("egress", []))
          and egress == {("UDP", 53), ("TCP", 53), ("TCP", 5432), ("TCP", 6379), ("TCP", 6380), ("TCP", 443)}, egress)
    check("no secret value in the ConfigMap",
          not any(k in cfg.get("auth", {}) for k in ("signing_key",)) and "encryption_key" not in cfg.get("storage", {}))
    mc = cfg.get("upstream", {}).get("max_concurrency", 5)
    check(f"upstream.max_concurrency ({mc}), one budget shared through Redis, <= {JAMF_MAX_CONCURRENCY}",
          mc <= JAMF_MAX_CONCURRENCY)
    fallback = cfg.get("redis", {}).get("fallback_concurrency", 1)
    check(f"redis.fallback_concurrency ({fallback}) x replicas ({replicas}) <= {JAMF_MAX_CONCURRENCY}",
          fallback * replicas <= JAMF_MAX_CONCURRENCY)
    _, svc = docs[("Service", "jamf-directory")]
    check("Service selects the Deployment's pods and targets its port",
          svc["spec"]["selector"].items() <= spec["template"]["metadata"]["labels"].items()
          and all(p["targetPort"] in port_names or p["targetPort"] in port_names.values() for p in svc["spec"]["ports"]))
    kust = yaml.safe_load((K8S / "kustomization.yaml").read_text())
    listed = set(kust["resources"])
    check("kustomization lists every manifest but the Secret example",
          listed == {p.name for p in K8S.glob("*.yaml")} - {"kustomization.yaml", "secret.example.yaml"}, listed)
    if emit:
        (emit / "k8s.toml").write_text(toml_text)
        (emit / "k8s.json").write_text(json.dumps({
            "secret_mount": secret_mount, "file_keys": file_keys, "secret_items": secret_items,
            "clients": clients}))


VAR = re.compile(r"\$\{([A-Z0-9_]+)(?::?([-?])([^}]*))?\}|\$\$")


def interpolate(text, env):
    """Compose-style ${VAR}, ${VAR:-default}, ${VAR:?error} and $$."""
    def sub(m):
        if m.group(0) == "$$":
            return "$"
        name, op, arg = m.groups()
        value = env.get(name, "")
        if op == "-" and not value:
            return arg
        if op == "?" and not value:
            raise KeyError(f"{name}: {arg}")
        return value
    return VAR.sub(sub, text)


def variables(obj):
    text = json.dumps(obj)
    return {m.group(1) for m in VAR.finditer(text) if m.group(1)}


def check_compose(emit, env_values):
    print("docker-compose.yml and .env.example")
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    services = compose.get("services", {})
    check("services: jamf-directory, postgres, redis, jamf-sim",
          {"jamf-directory", "postgres", "redis", "jamf-sim"} <= set(services), list(services))
    for name, svc in services.items():
        hc = svc.get("healthcheck", {})
        check(f"{name}: health check defined", isinstance(hc.get("test"), list) and hc["test"][0] in ("CMD", "CMD-SHELL"))
    app, sim = services["jamf-directory"], services["jamf-sim"]
    app_build, sim_build = app.get("build", {}), sim.get("build", {})
    check("jamf-directory and jamf-sim are built from the Dockerfile: the production target, and jamf-sim's own",
          app_build.get("dockerfile") == sim_build.get("dockerfile") == "Dockerfile"
          and app_build.get("target") == "jamf-directory" and sim_build.get("target") == "jamf-sim"
          and app.get("image") != sim.get("image"), (app_build, sim_build))
    deps = app.get("depends_on", {})
    check("jamf-directory waits for healthy postgres, redis and jamf-sim",
          all(deps.get(d, {}).get("condition") == "service_healthy" for d in ("postgres", "redis", "jamf-sim")), deps)
    replicas = app.get("deploy", {}).get("replicas", 1)
    check("jamf-directory runs 2 replicas", replicas == 2, replicas)
    (port,) = app.get("ports", [""])
    check("each replica gets a host port (a range as wide as the replicas)",
          re.fullmatch(r"127\.0\.0\.1:\$\{[A-Z_]+:-(\d+)\}-\$\{[A-Z_]+:-(\d+)\}:8080", port) is not None, port)
    check("jamf-sim runs the jamf-sim binary, bound to 0.0.0.0",
          sim.get("entrypoint") == ["/usr/local/bin/jamf-sim"] and "0.0.0.0" in sim.get("command", []))
    env = app.get("environment", {})
    check("jamf-directory uses PostgreSQL on the postgres service",
          str(env.get("JAMF_DIRECTORY__STORAGE__DATABASE_URL", "")).startswith("postgres://") and "@postgres:5432/" in env["JAMF_DIRECTORY__STORAGE__DATABASE_URL"])
    redis_url = str(env.get("JAMF_DIRECTORY__REDIS__URL", ""))
    check("jamf-directory shares the redis service", redis_url.startswith("redis://") and "@redis:6379" in redis_url, redis_url)
    mc = int(env.get("JAMF_DIRECTORY__UPSTREAM__MAX_CONCURRENCY", 5))
    fallback = int(env.get("JAMF_DIRECTORY__REDIS__FALLBACK_CONCURRENCY", 1))
    check(f"Jamf budget {mc} shared, fallback {fallback} x {replicas} replicas, both <= {JAMF_MAX_CONCURRENCY}",
          mc <= JAMF_MAX_CONCURRENCY and fallback * replicas <= JAMF_MAX_CONCURRENCY)
    check("keys set: signing key, encryption key, at least one caller client",
          {"JAMF_DIRECTORY__AUTH__SIGNING_KEY", "JAMF_DIRECTORY__STORAGE__ENCRYPTION_KEY", "JAMF_DIRECTORY__AUTH__CLIENTS"} <= set(env))
    dockerfile = (ROOT / "Dockerfile").read_text()
    check("Dockerfile: HEALTHCHECK runs the binary's own probe",
          'CMD ["/usr/local/bin/jamf-directory", "healthcheck"]' in dockerfile)
    stages = re.split(r"(?m)^FROM ", dockerfile)
    final = stages[-1]
    check("Dockerfile: the production image (last stage) is the service alone, built without the demo feature",
          final.startswith("runtime AS jamf-directory") and "jamf-sim" not in final
          and "--no-default-features --bin jamf-directory" in dockerfile)
    installs = re.findall(r"apt-get install[^\n&]*", dockerfile)
    check("Dockerfile: apt-get install pins every package (hadolint DL3008)",
          installs and all(all("=" in arg for arg in line.split() if not arg.startswith("-") and arg not in ("apt-get", "install", "\\"))
                           for line in installs), installs)
    for name, svc in services.items():
        test = svc["healthcheck"]["test"]
        if name != "postgres":
            check(f"{name}: health check needs no curl (the image has none)", "curl" not in " ".join(test) and "wget" not in " ".join(test))
    used = variables(compose)
    documented = set(env_values)
    check(".env.example documents every variable docker-compose.yml uses", used <= documented, used - documented)
    unused = documented - used
    check(".env.example has no variable docker-compose.yml ignores", not unused, unused)
    if emit:
        values = dict(env_values)
        out = {"app_env": {k: interpolate(str(v), values) for k, v in env.items()},
               "sim_command": [interpolate(str(a), values) for a in sim["command"]],
               "sim_env": {k: interpolate(str(v), values) for k, v in sim.get("environment", {}).items()},
               "healthchecks": {n: s["healthcheck"]["test"] for n, s in services.items()}}
        (emit / "compose.json").write_text(json.dumps(out, indent=2))


def parse_env_file(path):
    values = {}
    for line in path.read_text().splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            key, _, value = line.partition("=")
            values[key.strip()] = value.strip()
    return values


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--emit-runtime", type=Path, help="directory for the runtime check's inputs")
    ap.add_argument("--env-file", type=Path, help=".env with real values for --emit-runtime")
    args = ap.parse_args()
    if args.emit_runtime:
        args.emit_runtime.mkdir(parents=True, exist_ok=True)
    check_kubernetes(args.emit_runtime)
    example = parse_env_file(ROOT / ".env.example")
    values = parse_env_file(args.env_file) if args.env_file else example
    check_compose(args.emit_runtime, {**{k: "" for k in example}, **values})
    passed, failed = results.count(True), results.count(False)
    print(f"deploy checks: {passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
