#!/usr/bin/env python3
"""Self-test of scripts/k8s_lint.py: a good set of manifests passes, and each bad variant trips
exactly the one rule it breaks.

    python3 scripts/k8s_lint_test.py
"""

import copy
import io
import os
import subprocess
import sys
import unittest

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import yaml  # noqa: E402

import k8s_lint  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))

GOOD = """
apiVersion: v1
kind: ServiceAccount
metadata: {name: app}
automountServiceAccountToken: false
---
apiVersion: v1
kind: Service
metadata: {name: app}
spec:
  selector: {app: app}
  ports:
    - {name: grpc, port: 50051, targetPort: grpc}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: deny-all}
spec:
  podSelector: {}
  policyTypes: [Ingress, Egress]
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: app}
spec:
  selector: {matchLabels: {app: app}}
  template:
    metadata: {labels: {app: app}}
    spec:
      serviceAccountName: app
      securityContext:
        runAsNonRoot: true
        runAsUser: 10001
        seccompProfile: {type: RuntimeDefault}
      initContainers:
        - name: init
          image: registry.example:5000/tools/init:1.2.3
          securityContext: &sc
            readOnlyRootFilesystem: true
            allowPrivilegeEscalation: false
            capabilities: {drop: [ALL]}
          resources: &res
            requests: {cpu: 10m, memory: 16Mi}
            limits: {cpu: 100m, memory: 64Mi}
      containers:
        - name: app
          image: ghcr.io/example/app:0.1.0
          securityContext: *sc
          resources: *res
          readinessProbe: {grpc: {port: 50051}}
          livenessProbe: {grpc: {port: 50051}}
---
apiVersion: batch/v1
kind: Job
metadata: {name: migrate}
spec:
  template:
    spec:
      restartPolicy: Never
      securityContext:
        runAsNonRoot: true
        runAsUser: 10001
        seccompProfile: {type: RuntimeDefault}
      containers:
        - name: migrate
          image: ghcr.io/example/app@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef
          securityContext:
            readOnlyRootFilesystem: true
            allowPrivilegeEscalation: false
            capabilities: {drop: [ALL]}
          resources:
            requests: {cpu: 10m, memory: 16Mi}
            limits: {cpu: 100m, memory: 64Mi}
"""


def good():
    return list(yaml.safe_load_all(GOOD))


def find(docs, kind, name=None):
    for doc in docs:
        if doc["kind"] == kind and (name is None or doc["metadata"]["name"] == name):
            return doc
    raise KeyError(kind)


def deployment(docs):
    return find(docs, "Deployment")["spec"]["template"]["spec"]


def app(docs):
    return deployment(docs)["containers"][0]


def init(docs):
    return deployment(docs)["initContainers"][0]


class GoodManifests(unittest.TestCase):
    def test_good_set_passes(self):
        self.assertEqual(k8s_lint.lint(good()), [])

    def test_container_level_settings_may_replace_pod_level(self):
        docs = good()
        spec = deployment(docs)
        spec["securityContext"] = {}
        for c in spec["containers"] + spec["initContainers"]:
            c["securityContext"] = dict(c["securityContext"], runAsNonRoot=True, runAsUser=1000,
                                        seccompProfile={"type": "RuntimeDefault"})
        self.assertEqual(k8s_lint.lint(docs), [])

    def test_readonly_root_exemption_with_reason(self):
        docs = good()
        app(docs)["securityContext"] = dict(app(docs)["securityContext"], readOnlyRootFilesystem=False)
        find(docs, "Deployment")["spec"]["template"]["metadata"]["annotations"] = {
            k8s_lint.EXEMPT_READONLY_ROOT: "vendor image rewrites its config at start"}
        self.assertEqual(k8s_lint.lint(docs), [])

    def test_cli_exit_codes(self):
        script = os.path.join(HERE, "k8s_lint.py")
        ok = subprocess.run([sys.executable, script], input=GOOD, text=True, capture_output=True)
        self.assertEqual(ok.returncode, 0, ok.stdout + ok.stderr)
        bad = GOOD.replace("app:0.1.0", "app:latest")
        failed = subprocess.run([sys.executable, script], input=bad, text=True, capture_output=True)
        self.assertEqual(failed.returncode, 1)
        self.assertIn("Deployment/app/app", failed.stdout)
        broken = subprocess.run([sys.executable, script], input="a: [", text=True, capture_output=True)
        self.assertEqual(broken.returncode, 2)

    def test_main_reads_a_stream(self):
        lines = []
        self.assertEqual(k8s_lint.main(io.StringIO(GOOD), lines.append), 0)
        self.assertEqual(lines, ["k8s_lint: ok (5 documents)"])


class BadManifests(unittest.TestCase):
    """Each case breaks one rule and must produce exactly one violation that names it."""

    def assert_one(self, docs, *fragments):
        violations = k8s_lint.lint(docs)
        self.assertEqual(len(violations), 1, "\n".join(violations))
        for fragment in fragments:
            self.assertIn(fragment, violations[0])

    def test_empty_input(self):
        self.assert_one([], "no Kubernetes objects")

    def test_run_as_non_root_missing(self):
        docs = good()
        spec = deployment(docs)
        del spec["initContainers"]  # the pod-level setting would otherwise fail both containers
        del spec["securityContext"]["runAsNonRoot"]
        self.assert_one(docs, "Deployment/app/app", "runAsNonRoot")

    def test_container_overrides_run_as_non_root_false(self):
        docs = good()
        init(docs)["securityContext"] = dict(init(docs)["securityContext"], runAsNonRoot=False)
        self.assert_one(docs, "Deployment/app/init", "runAsNonRoot")

    def test_run_as_user_zero(self):
        docs = good()
        app(docs)["securityContext"] = dict(app(docs)["securityContext"], runAsUser=0)
        self.assert_one(docs, "Deployment/app/app", "runAsUser")

    def test_run_as_user_missing(self):
        docs = good()
        spec = find(docs, "Job")["spec"]["template"]["spec"]
        del spec["securityContext"]["runAsUser"]
        self.assert_one(docs, "Job/migrate/migrate", "runAsUser")

    def test_seccomp_missing(self):
        docs = good()
        find(docs, "Job")["spec"]["template"]["spec"]["securityContext"].pop("seccompProfile")
        self.assert_one(docs, "Job/migrate/migrate", "seccompProfile")

    def test_writable_root_filesystem_in_init_container(self):
        docs = good()
        init(docs)["securityContext"] = dict(init(docs)["securityContext"], readOnlyRootFilesystem=False)
        self.assert_one(docs, "Deployment/app/init", "readOnlyRootFilesystem")

    def test_exemption_without_reason(self):
        docs = good()
        find(docs, "Deployment")["spec"]["template"]["metadata"]["annotations"] = {
            k8s_lint.EXEMPT_READONLY_ROOT: " "}
        self.assert_one(docs, "Deployment/app", "needs a reason")

    def test_privilege_escalation_allowed(self):
        docs = good()
        app(docs)["securityContext"] = dict(app(docs)["securityContext"], allowPrivilegeEscalation=True)
        self.assert_one(docs, "Deployment/app/app", "allowPrivilegeEscalation")

    def test_privileged(self):
        docs = good()
        app(docs)["securityContext"] = dict(app(docs)["securityContext"], privileged=True)
        self.assert_one(docs, "Deployment/app/app", "privileged")

    def test_capabilities_not_dropped(self):
        docs = good()
        app(docs)["securityContext"] = dict(app(docs)["securityContext"], capabilities={"drop": ["NET_RAW"]})
        self.assert_one(docs, "Deployment/app/app", "capabilities.drop")

    def test_memory_limit_missing(self):
        docs = good()
        app(docs)["resources"] = {"requests": {"cpu": "10m", "memory": "16Mi"}, "limits": {"cpu": "1"}}
        self.assert_one(docs, "Deployment/app/app", "resources.limits.memory")

    def test_cpu_request_missing_in_init_container(self):
        docs = good()
        init(docs)["resources"] = {"requests": {"memory": "16Mi"}, "limits": {"cpu": "1", "memory": "1Gi"}}
        self.assert_one(docs, "Deployment/app/init", "resources.requests.cpu")

    def test_image_latest(self):
        docs = good()
        app(docs)["image"] = "ghcr.io/example/app:latest"
        self.assert_one(docs, "Deployment/app/app", "latest")

    def test_image_without_tag_behind_registry_port(self):
        docs = good()
        init(docs)["image"] = "registry.example:5000/tools/init"
        self.assert_one(docs, "Deployment/app/init", "no explicit tag")

    def test_readiness_probe_missing(self):
        docs = good()
        del app(docs)["readinessProbe"]
        self.assert_one(docs, "Deployment/app/app", "readinessProbe")

    def test_liveness_probe_missing_on_statefulset(self):
        docs = good()
        sts = copy.deepcopy(find(docs, "Deployment"))
        sts["kind"] = "StatefulSet"
        sts["metadata"]["name"] = "db"
        del sts["spec"]["template"]["spec"]["containers"][0]["livenessProbe"]
        docs.append(sts)
        self.assert_one(docs, "StatefulSet/db/app", "livenessProbe")

    def test_unnamed_service_port(self):
        docs = good()
        find(docs, "Service")["spec"]["ports"].append({"port": 9090})
        self.assert_one(docs, "Service/app", "port #1 (9090)")

    def test_no_deny_all_network_policy(self):
        docs = [d for d in good() if d["kind"] != "NetworkPolicy"]
        self.assert_one(docs, "deny-all")

    def test_network_policy_with_rules_is_not_deny_all(self):
        docs = good()
        find(docs, "NetworkPolicy")["spec"]["ingress"] = [{}]
        self.assert_one(docs, "deny-all")

    def test_deny_all_must_cover_each_workload_namespace(self):
        docs = good()
        for doc in docs:
            if doc["kind"] == "Job":
                doc["metadata"]["namespace"] = "other"
        self.assert_one(docs, "namespace other", "deny-all")

    def test_service_account_automounts_token(self):
        docs = good()
        del find(docs, "ServiceAccount")["automountServiceAccountToken"]
        self.assert_one(docs, "ServiceAccount/app", "automountServiceAccountToken")


# A production-like Parley service: TLS files from a cert-manager Certificate's Secret, the
# required flag from a ConfigMap, exec probes.
TLS_GOOD = GOOD.replace("""          readinessProbe: {grpc: {port: 50051}}
          livenessProbe: {grpc: {port: 50051}}""", """          ports:
            - {name: grpc, containerPort: 50051}
          envFrom:
            - configMapRef: {name: app-config}
          env:
            - {name: PARLEY_TLS_CERT_FILE, value: /etc/parley/tls/tls.crt}
            - {name: PARLEY_TLS_KEY_FILE, value: /etc/parley/tls/tls.key}
            - {name: PARLEY_TLS_CA_FILE, value: /etc/parley/tls/ca.crt}
          volumeMounts:
            - {name: tls, mountPath: /etc/parley/tls, readOnly: true}
          readinessProbe: {exec: {command: [/usr/local/bin/app, probe]}}
          livenessProbe: {exec: {command: [/usr/local/bin/app, probe, liveness]}}
      volumes:
        - name: tls
          secret: {secretName: app-tls}""") + """---
apiVersion: v1
kind: ConfigMap
metadata: {name: app-config}
data: {PARLEY_TLS_REQUIRED: "true"}
---
apiVersion: cert-manager.io/v1
kind: Certificate
metadata: {name: app-tls}
spec:
  secretName: app-tls
  issuerRef: {name: parley-ca, kind: Issuer}
  dnsNames: [app]
"""


def tls_good():
    return list(yaml.safe_load_all(TLS_GOOD))


class TlsRules(unittest.TestCase):
    """--require-tls (the production overlay): each case breaks one TLS rule."""

    def assert_one(self, docs, *fragments):
        violations = k8s_lint.lint(docs, require_tls=True)
        self.assertEqual(len(violations), 1, "\n".join(violations))
        for fragment in fragments:
            self.assertIn(fragment, violations[0])

    def test_tls_service_passes(self):
        self.assertEqual(k8s_lint.lint(tls_good(), require_tls=True), [])
        self.assertEqual(k8s_lint.lint(tls_good()), [])

    def test_plain_service_fails_only_with_require_tls(self):
        docs = good()
        app(docs)["ports"] = [{"name": "grpc", "containerPort": 50051}]
        self.assertEqual(k8s_lint.lint(docs), [])
        violations = k8s_lint.lint(docs, require_tls=True)
        self.assertTrue(any("PARLEY_TLS_CERT_FILE must be set" in v for v in violations), violations)
        self.assertTrue(any("PARLEY_TLS_REQUIRED" in v for v in violations), violations)
        self.assertTrue(any("gRPC probe" in v for v in violations), violations)

    def test_missing_certificate(self):
        docs = [d for d in tls_good() if d["kind"] != "Certificate"]
        violations = k8s_lint.lint(docs, require_tls=True)
        self.assertEqual(len(violations), 3, violations)  # one per file variable
        self.assertIn("Secret app-tls, which no cert-manager Certificate writes", violations[0])

    def test_certificate_without_issuer(self):
        docs = tls_good()
        del find(docs, "Certificate")["spec"]["issuerRef"]
        violations = k8s_lint.lint(docs, require_tls=True)
        self.assertTrue(violations and all("issuerRef.name" in v for v in violations), violations)

    def test_missing_tls_env(self):
        docs = tls_good()
        app(docs)["env"] = [e for e in app(docs)["env"] if e["name"] != "PARLEY_TLS_KEY_FILE"]
        self.assert_one(docs, "Deployment/app/app", "PARLEY_TLS_KEY_FILE must be set")

    def test_required_flag_missing(self):
        docs = tls_good()
        find(docs, "ConfigMap", "app-config")["data"] = {"PARLEY_TLS_REQUIRED": "false"}
        self.assert_one(docs, "PARLEY_TLS_REQUIRED must be")

    def test_file_not_from_a_secret(self):
        docs = tls_good()
        app(docs)["env"][2]["value"] = "/etc/ssl/certs/ca.crt"
        self.assert_one(docs, "PARLEY_TLS_CA_FILE", "not in a mounted Secret")

    def test_grpc_probe(self):
        docs = tls_good()
        app(docs)["livenessProbe"] = {"grpc": {"port": 50051, "service": "liveness"}}
        self.assert_one(docs, "livenessProbe is a gRPC probe")

    def test_cli_flag(self):
        script = os.path.join(HERE, "k8s_lint.py")
        plain = GOOD.replace("livenessProbe: {grpc: {port: 50051}}",
                             "livenessProbe: {grpc: {port: 50051}}\n          ports: [{name: grpc, containerPort: 1}]")
        ok = subprocess.run([sys.executable, script], input=plain, text=True, capture_output=True)
        self.assertEqual(ok.returncode, 0, ok.stdout)
        failed = subprocess.run([sys.executable, script, "--require-tls"], input=plain, text=True,
                                capture_output=True)
        self.assertEqual(failed.returncode, 1, failed.stdout)
        self.assertIn("PARLEY_TLS_CERT_FILE", failed.stdout)
        bad_flag = subprocess.run([sys.executable, script, "--bogus"], input=GOOD, text=True, capture_output=True)
        self.assertEqual(bad_flag.returncode, 2)

    def test_production_overlay_needs_a_certificate_per_service(self):
        overlay = os.path.join(HERE, "..", "deploy", "k8s", "overlays", "production")
        try:
            rendered = subprocess.run(["kubectl", "kustomize", overlay], text=True, capture_output=True, check=True).stdout
        except (OSError, subprocess.CalledProcessError):
            self.skipTest("kubectl kustomize is not available")
        docs = list(yaml.safe_load_all(rendered))
        self.assertEqual(k8s_lint.lint(docs, require_tls=True), [])
        without = [d for d in docs if not (d and d["kind"] == "Certificate" and d["metadata"]["name"] == "parley-conduct-tls")]
        violations = k8s_lint.lint(without, require_tls=True)
        self.assertTrue(violations and all("parley-conduct" in v for v in violations), violations)


if __name__ == "__main__":
    unittest.main(verbosity=1)
