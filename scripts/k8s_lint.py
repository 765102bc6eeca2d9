#!/usr/bin/env python3
"""Checks rendered Kubernetes manifests against Parley's deploy rules (STYLE.md, Deploy).

    kubectl kustomize deploy/k8s/overlays/trial | python3 scripts/k8s_lint.py

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


def lint(docs):
    """Returns the violations (strings) found in an iterable of parsed YAML documents."""
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

    if workload_namespaces:
        for namespace in sorted(workload_namespaces - deny_all_namespaces):
            label = namespace or "(no namespace set)"
            out.append(f"namespace {label}: no deny-all NetworkPolicy "
                       f"(podSelector {{}}, policyTypes [Ingress, Egress], no rules)")
    elif not deny_all_namespaces:
        out.append("no deny-all NetworkPolicy (podSelector {}, policyTypes [Ingress, Egress], no rules)")
    return out


def main(stream=None, write=print):
    stream = sys.stdin if stream is None else stream
    try:
        docs = list(yaml.safe_load_all(stream))
    except yaml.YAMLError as err:
        write(f"k8s_lint: input is not valid YAML: {err}")
        return 2
    violations = lint(docs)
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
