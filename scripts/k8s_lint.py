#!/usr/bin/env python3
"""Checks rendered Kubernetes manifests against Parley's deploy rules (STYLE.md, Deploy).

    kubectl kustomize deploy/k8s/overlays/trial | python3 scripts/k8s_lint.py
    kubectl kustomize deploy/k8s/overlays/production | python3 scripts/k8s_lint.py --require-tls

Reads a multi-document YAML stream on stdin and prints one line per violation, naming the object
(Kind/name) and, where it applies, the container. Exit code: 0 clean, 1 violations, 2 unreadable
input.

Rules
  pods of every workload (Deployment, StatefulSet, DaemonSet, ReplicaSet, Job, CronJob, Pod), for
  every container and init container, with pod-level settings as the default:
    - runAsNonRoot: true, and a non-zero runAsUser
    - seccompProfile RuntimeDefault (or Localhost)
    - readOnlyRootFilesystem: true, unless the pod template (or the workload) carries the annotation
      parley.dev/lint-exempt-readonly-root: "<reason>" with a non-empty reason
    - allowPrivilegeEscalation: false, not privileged, capabilities.drop contains ALL
    - resources.requests and resources.limits for both cpu and memory
    - an image with an explicit tag other than `latest`, or a digest
  long-running workloads (Deployment, StatefulSet, DaemonSet): every container has a readiness
  and a liveness probe
  every Service port has a name
  every namespace that holds a workload has a deny-all NetworkPolicy (empty podSelector,
  policyTypes Ingress and Egress, no rules); with no workloads, the stream must still hold one
  every ServiceAccount sets automountServiceAccountToken: false
  with --require-tls (the production overlay), every container of a Deployment that has a port
  named grpc (a Parley service; docs/deploy.md, "TLS"):
    - gets PARLEY_TLS_CERT_FILE, PARLEY_TLS_KEY_FILE and PARLEY_TLS_CA_FILE, and
      PARLEY_TLS_REQUIRED "true", from env or from a ConfigMap in envFrom
    - reads those files from a mounted Secret that a cert-manager Certificate (with an issuerRef
      name) writes
    - has no gRPC probe (kubelet's gRPC probes are plaintext; use the exec `<binary> probe`)
"""

import sys

import yaml

EXEMPT_READONLY_ROOT = "parley.dev/lint-exempt-readonly-root"
WORKLOAD_KINDS = {"Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job", "CronJob", "Pod"}
LONG_RUNNING_KINDS = {"Deployment", "StatefulSet", "DaemonSet"}


def _get(obj, *path):
    """obj[path[0]][path[1]]..., or None where any step is missing or not a mapping."""
    for key in path:
        if not isinstance(obj, dict):
            return None
        obj = obj.get(key)
    return obj


def _pod_template(obj):
    """(template metadata, pod spec) of a workload, or (None, None) if it has none."""
    kind = obj.get("kind")
    if kind == "Pod":
        return obj.get("metadata") or {}, obj.get("spec")
    if kind == "CronJob":
        template = _get(obj, "spec", "jobTemplate", "spec", "template")
    else:
        template = _get(obj, "spec", "template")
    if not isinstance(template, dict):
        return None, None
    return template.get("metadata") or {}, template.get("spec")


def _image_problem(image):
    if not isinstance(image, str) or not image:
        return "has no image"
    if "@" in image:
        digest = image.split("@", 1)[1]
        if not digest.startswith("sha256:") or len(digest) <= len("sha256:"):
            return f"image {image!r} has a malformed digest"
        return None
    last = image.rsplit("/", 1)[-1]  # a registry host may carry a :port
    if ":" not in last:
        return f"image {image!r} has no explicit tag"
    tag = last.split(":", 1)[1]
    if not tag or tag == "latest":
        return f"image {image!r} uses the 'latest' tag (pin a version or a digest)"
    return None


def _is_deny_all(policy):
    spec = policy.get("spec") or {}
    selector = spec.get("podSelector")
    if selector is None or not isinstance(selector, dict):
        return False
    if selector.get("matchLabels") or selector.get("matchExpressions"):
        return False
    types = set(spec.get("policyTypes") or [])
    if not {"Ingress", "Egress"} <= types:
        return False
    return not spec.get("ingress") and not spec.get("egress")


def _lint_pod(where, kind, obj_meta, tmpl_meta, spec, out):
    pod_sc = spec.get("securityContext") or {}
    annotations = {}
    annotations.update(obj_meta.get("annotations") or {})
    annotations.update(tmpl_meta.get("annotations") or {})
    exemption = annotations.get(EXEMPT_READONLY_ROOT)
    if exemption is not None and not str(exemption).strip():
        out.append(f"{where}: annotation {EXEMPT_READONLY_ROOT} needs a reason as its value")
        exemption = None

    containers = [(c, False) for c in spec.get("initContainers") or []]
    containers += [(c, True) for c in spec.get("containers") or []]
    if not spec.get("containers"):
        out.append(f"{where}: pod has no containers")
    for container, is_main in containers:
        name = container.get("name", "?")
        at = f"{where}/{name}"
        sc = container.get("securityContext") or {}

        def effective(key, sc=sc):
            return sc[key] if key in sc else pod_sc.get(key)

        if effective("runAsNonRoot") is not True:
            out.append(f"{at}: runAsNonRoot must be true (pod or container securityContext)")
        run_as_user = effective("runAsUser")
        if not isinstance(run_as_user, int) or isinstance(run_as_user, bool) or run_as_user == 0:
            out.append(f"{at}: runAsUser must be set to a non-zero uid (pod or container securityContext)")
        seccomp = _get(sc, "seccompProfile", "type") or _get(pod_sc, "seccompProfile", "type")
        if seccomp not in ("RuntimeDefault", "Localhost"):
            out.append(f"{at}: seccompProfile.type must be RuntimeDefault (or Localhost)")
        if sc.get("readOnlyRootFilesystem") is not True and exemption is None:
            out.append(f"{at}: securityContext.readOnlyRootFilesystem must be true "
                       f"(mount emptyDir/PVC where it writes, or annotate the pod with "
                       f"{EXEMPT_READONLY_ROOT}: <reason>)")
        if sc.get("allowPrivilegeEscalation") is not False:
            out.append(f"{at}: securityContext.allowPrivilegeEscalation must be false")
        if sc.get("privileged") is True:
            out.append(f"{at}: securityContext.privileged must not be true")
        drop = _get(sc, "capabilities", "drop") or []
        if "ALL" not in drop:
            out.append(f"{at}: securityContext.capabilities.drop must contain ALL")
        resources = container.get("resources") or {}
        for section in ("requests", "limits"):
            for resource in ("cpu", "memory"):
                if not _get(resources, section, resource):
                    out.append(f"{at}: resources.{section}.{resource} must be set")
        problem = _image_problem(container.get("image"))
        if problem:
            out.append(f"{at}: {problem}")
        if is_main and kind in LONG_RUNNING_KINDS:
            for probe in ("readinessProbe", "livenessProbe"):
                if not container.get(probe):
                    out.append(f"{at}: {probe} must be set on a long-running workload")


TLS_FILE_VARS = ("PARLEY_TLS_CERT_FILE", "PARLEY_TLS_KEY_FILE", "PARLEY_TLS_CA_FILE")
PROBES = ("startupProbe", "readinessProbe", "livenessProbe")


def _container_env(container, config_maps):
    """The container's environment as far as the manifests show it: envFrom ConfigMaps, then env
    entries with a literal value (a valueFrom counts as set, with the value None)."""
    env = {}
    for source in container.get("envFrom") or []:
        name = _get(source, "configMapRef", "name")
        prefix = source.get("prefix") or ""
        for key, value in (config_maps.get(name) or {}).items():
            env[prefix + key] = value
    for entry in container.get("env") or []:
        if isinstance(entry, dict) and entry.get("name"):
            env[entry["name"]] = entry.get("value")
    return env


def _lint_tls(objects, out):
    config_maps = {}
    certificates = {}  # secretName -> Certificate
    for obj in objects:
        kind = obj.get("kind")
        if kind == "ConfigMap":
            config_maps[_get(obj, "metadata", "name")] = obj.get("data") or {}
        elif kind == "Certificate" and str(obj.get("apiVersion", "")).startswith("cert-manager.io/"):
            secret = _get(obj, "spec", "secretName")
            if secret:
                certificates[secret] = obj
    for obj in objects:
        if obj.get("kind") != "Deployment":
            continue
        where = f"Deployment/{_get(obj, 'metadata', 'name') or '?'}"
        _, spec = _pod_template(obj)
        if not isinstance(spec, dict):
            continue
        volumes = {v.get("name"): v for v in spec.get("volumes") or [] if isinstance(v, dict)}
        for container in spec.get("containers") or []:
            ports = [p.get("name") for p in container.get("ports") or [] if isinstance(p, dict)]
            if "grpc" not in ports:
                continue
            at = f"{where}/{container.get('name', '?')}"
            env = _container_env(container, config_maps)
            for var in TLS_FILE_VARS:
                path = env.get(var)
                if not path:
                    out.append(f"{at}: {var} must be set (TLS on the gRPC port)")
                    continue
                mounts = [m for m in container.get("volumeMounts") or []
                          if isinstance(m, dict) and m.get("mountPath")
                          and str(path).startswith(str(m["mountPath"]).rstrip("/") + "/")]
                secret = None
                for mount in mounts:
                    secret = _get(volumes.get(mount.get("name")), "secret", "secretName") or secret
                if secret is None:
                    out.append(f"{at}: {var} ({path}) is not in a mounted Secret")
                    continue
                cert = certificates.get(secret)
                if cert is None:
                    out.append(f"{at}: {var} comes from Secret {secret}, which no cert-manager Certificate writes")
                elif not _get(cert, "spec", "issuerRef", "name"):
                    out.append(f"Certificate/{_get(cert, 'metadata', 'name')}: spec.issuerRef.name must be set")
            if str(env.get("PARLEY_TLS_REQUIRED", "")).lower() != "true":
                out.append(f"{at}: PARLEY_TLS_REQUIRED must be \"true\" (refuse to start without certificates)")
            for probe in PROBES:
                if _get(container, probe, "grpc") is not None:
                    out.append(f"{at}: {probe} is a gRPC probe, which kubelet makes in plaintext "
                               f"(use exec: [<binary>, probe])")


def lint(docs, require_tls=False):
    """Returns the violations (strings) found in an iterable of parsed YAML documents.
    `require_tls`: also the TLS rules of the production overlay."""
    out = []
    objects = []
    for doc in docs:
        if doc is None:
            continue
        if not isinstance(doc, dict):
            out.append(f"document is not a mapping: {str(doc)[:60]!r}")
            continue
        if doc.get("kind") == "List" or str(doc.get("kind", "")).endswith("List"):
            objects.extend(item for item in doc.get("items") or [] if isinstance(item, dict))
        else:
            objects.append(doc)
    if not objects:
        return out + ["no Kubernetes objects on stdin (did kustomize render anything?)"]

    workload_namespaces = set()
    deny_all_namespaces = set()
    for obj in objects:
        kind = obj.get("kind", "?")
        meta = obj.get("metadata") or {}
        name = meta.get("name", "?")
        namespace = meta.get("namespace") or ""
        where = f"{kind}/{name}"

        if kind in WORKLOAD_KINDS:
            workload_namespaces.add(namespace)
            tmpl_meta, spec = _pod_template(obj)
            if not isinstance(spec, dict):
                out.append(f"{where}: has no pod template")
            else:
                _lint_pod(where, kind, meta, tmpl_meta, spec, out)
        elif kind == "Service":
            for i, port in enumerate(_get(obj, "spec", "ports") or []):
                if not isinstance(port, dict) or not port.get("name"):
                    number = port.get("port") if isinstance(port, dict) else "?"
                    out.append(f"{where}: port #{i} ({number}) must have a name")
        elif kind == "NetworkPolicy":
            if _is_deny_all(obj):
                deny_all_namespaces.add(namespace)
        elif kind == "ServiceAccount":
            if obj.get("automountServiceAccountToken") is not False:
                out.append(f"{where}: automountServiceAccountToken must be false")

    if require_tls:
        _lint_tls(objects, out)

    if workload_namespaces:
        for namespace in sorted(workload_namespaces - deny_all_namespaces):
            label = namespace or "(no namespace set)"
            out.append(f"namespace {label}: no deny-all NetworkPolicy "
                       f"(podSelector {{}}, policyTypes [Ingress, Egress], no rules)")
    elif not deny_all_namespaces:
        out.append("no deny-all NetworkPolicy (podSelector {}, policyTypes [Ingress, Egress], no rules)")
    return out


def main(stream=None, write=print, argv=None):
    stream = sys.stdin if stream is None else stream
    if argv is None:
        argv = sys.argv[1:] if stream is sys.stdin else []
    unknown = [a for a in argv if a != "--require-tls"]
    if unknown:
        write(f"k8s_lint: unknown arguments {unknown} (usage: k8s_lint.py [--require-tls] < manifests)")
        return 2
    try:
        docs = list(yaml.safe_load_all(stream))
    except yaml.YAMLError as err:
        write(f"k8s_lint: input is not valid YAML: {err}")
        return 2
    violations = lint(docs, require_tls="--require-tls" in argv)
    for violation in violations:
        write(violation)
    count = sum(1 for d in docs if isinstance(d, dict))
    if violations:
        write(f"k8s_lint: {len(violations)} violation(s) in {count} document(s)")
        return 1
    write(f"k8s_lint: ok ({count} documents)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
