// check-k8s.mjs TOOLS_DIR K8S_DIR: schema-check every resource of the kustomize base
// against the Kubernetes OpenAPI schemas (npm kubernetes-models, which validates with
// ajv), then the consistency rules a schema cannot see: references resolve, selectors
// match, probes, least privilege per container (design.md), the shared /dev/shm and
// run volumes, evaluator indexes, pinned images, ConfigMaps equal to deploy/ files.
import { createRequire } from "node:module";
import { existsSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";

const [tools, dir] = process.argv.slice(2).map((p) => resolve(p));
// a schema validator that cannot load is a failure, never a pass
const require = createRequire(join(tools, "node_modules") + "/");
const yaml = require("js-yaml");
const models = join(tools, "node_modules", "kubernetes-models");
const errs = [];
const err = (where, msg) => errs.push(`${where}: ${msg}`);

// kubernetes-models 4.x ships ESM as .mjs (5.x as .js, but needs node >= 22, newer
// than Debian 12's 18): take whichever the installed version has.
async function model(apiVersion, kind) {
	const base = join(models, apiVersion, kind);
	const file = existsSync(base + ".mjs") ? base + ".mjs" : base + ".js";
	const mod = await import(pathToFileURL(file).href);
	if (typeof mod[kind] !== "function") throw new Error(`no class ${kind} in ${file}`);
	return mod[kind];
}

// The validator must be able to fail: a known-bad object first.
{
	const DaemonSet = await model("apps/v1", "DaemonSet");
	let rejected = false;
	try {
		new DaemonSet({ metadata: { name: "x" }, spec: { selector: {}, template: { spec: {
			containers: [{ name: "c", image: "i", ports: [{ containerPort: "x" }] }] } } } }).validate();
	} catch (e) { rejected = /containerPort/.test(e.message); }
	if (!rejected) err("self-test", "the schema validator accepted a bad DaemonSet");
}

const kust = yaml.load(readFileSync(join(dir, "kustomization.yaml"), "utf8"));
if (!kust.namespace) err("kustomization.yaml", "no namespace");
const docs = [];
for (const f of kust.resources) {
	for (const d of yaml.loadAll(readFileSync(join(dir, f), "utf8"))) if (d) docs.push([f, d]);
}
const byKind = (k) => docs.filter(([, d]) => d.kind === k).map(([, d]) => d);
const names = (k) => new Set(byKind(k).map((d) => d.metadata.name));
const imageNames = new Set((kust.images || []).map((i) => i.name));

for (const [f, d] of docs) {
	const where = `${f} ${d.kind}/${d.metadata?.name}`;
	try {
		const M = await model(d.apiVersion, d.kind);
		new M(d).validate();
	} catch (e) {
		err(where, e.code === "ERR_MODULE_NOT_FOUND" ? `unknown apiVersion/kind ${d.apiVersion} ${d.kind}` : e.message);
	}
}

// The port a container's command serves its health endpoint on: a pipeline stage's
// --health-listen (lanner-stage derives it from LANNER_HEALTH_LISTEN; a flag in the
// args comes later on the command line, so it wins, as getopt_long takes the last),
// lanner-ui's --listen.
const HEALTH_STAGES = ["collector", "enricher", "evaluator", "emitter"];
function argValue(args, flag) {
	let v = null;
	args.forEach((a, i) => {
		if (a === flag && i + 1 < args.length) v = args[i + 1];
		else if (a.startsWith(flag + "=")) v = a.slice(flag.length + 1);
	});
	return v;
}
function hostPort(v) {
	const m = /^(?:\[([0-9A-Fa-f:.]+)\]|([0-9.]+)):(\d+)$/.exec(v || "");
	return m ? { addr: m[1] ?? m[2], port: Number(m[3]) } : null;
}
function healthListen(c) {
	const args = (c.args || []).map(String);
	const env = Object.fromEntries((c.env || []).filter((e) => "value" in e).map((e) => [e.name, String(e.value)]));
	if (HEALTH_STAGES.includes(args[0]))
		return { stage: args[0], path: "/healthz", listen: argValue(args.slice(1), "--health-listen") ?? env.LANNER_HEALTH_LISTEN ?? null };
	if (args[0] === "ui") return { stage: "ui", path: "/api/v1/healthz", listen: argValue(args.slice(1), "--listen") ?? "127.0.0.1:2802" };
	return null;
}
// Every probe asks the port, path and address its container listens on.
function checkProbes(cw, c, ports) {
	const h = healthListen(c);
	if (!h) return;
	if (!h.listen) return err(cw, `stage ${h.stage} has no LANNER_HEALTH_LISTEN/--health-listen: nothing serves /healthz`);
	const hp = hostPort(h.listen);
	if (!hp) return err(cw, `listen address ${h.listen} is not ADDR:PORT`);
	// kubelet probes the pod's IP: a loopback-only server never answers it
	if (hp.addr !== "0.0.0.0" && hp.addr !== "::") err(cw, `listens on ${h.listen}: kubelet probes the pod IP, listen on 0.0.0.0`);
	if (!(c.ports || []).some((p) => p.containerPort === hp.port)) err(cw, `port ${hp.port} it listens on is not in its ports`);
	if (ports.has(hp.port)) err(cw, `port ${hp.port} also used by container ${ports.get(hp.port)} (one network namespace per pod)`);
	ports.set(hp.port, c.name);
	for (const kind of ["startupProbe", "livenessProbe", "readinessProbe"]) {
		const p = c[kind];
		if (!p) {
			if (kind !== "startupProbe") err(cw, `no ${kind}`);
			continue;
		}
		if (!p.httpGet) {
			err(cw, `${kind} is not httpGet ${h.path}`);
			continue;
		}
		let port = p.httpGet.port;
		if (typeof port === "string" && !/^\d+$/.test(port)) {
			const named = (c.ports || []).find((x) => x.name === port);
			if (!named) {
				err(cw, `${kind} port name ${port} is not one of its ports`);
				continue;
			}
			port = named.containerPort;
		}
		if (Number(port) !== hp.port) err(cw, `${kind} asks port ${port} but the container listens on ${h.listen}`);
		if (p.httpGet.path !== h.path) err(cw, `${kind} path ${p.httpGet.path}, want ${h.path}`);
		if (p.httpGet.host) err(cw, `${kind} sets host ${p.httpGet.host}: the pod IP is what the server listens on`);
	}
}

const CAPS = { collector: ["BPF", "PERFMON", "SYS_RESOURCE"], enricher: ["DAC_READ_SEARCH", "SYS_PTRACE"] };
for (const w of [...byKind("DaemonSet"), ...byKind("Deployment")]) {
	const where = `${w.kind}/${w.metadata.name}`;
	const pod = w.spec.template.spec;
	const labels = w.spec.template.metadata?.labels || {};
	for (const [k, v] of Object.entries(w.spec.selector.matchLabels || {}))
		if (labels[k] !== v) err(where, `selector ${k}=${v} does not match the pod labels`);
	const vols = new Map((pod.volumes || []).map((v) => [v.name, v]));
	for (const v of vols.values()) {
		if (v.configMap && !names("ConfigMap").has(v.configMap.name)) err(where, `ConfigMap ${v.configMap.name} not in the base`);
		if (v.secret && !names("Secret").has(v.secret.secretName)) err(where, `Secret ${v.secret.secretName} not in the base`);
	}
	if (pod.hostNetwork || pod.hostIPC) err(where, "hostNetwork/hostIPC");
	const evalIdx = [];
	let nevals = null;
	const healthPorts = new Map();
	for (const c of pod.containers) {
		const cw = `${where} container ${c.name}`;
		checkProbes(cw, c, healthPorts);
		const sc = c.securityContext || {};
		const [img, tag] = c.image.split(":");
		if (!tag || tag === "latest") err(cw, `image ${c.image} not pinned`);
		if (img.startsWith("lanner") && !imageNames.has(img)) err(cw, `image ${img} not in kustomization images`);
		if (sc.privileged) err(cw, "privileged");
		if (!(sc.runAsNonRoot ?? pod.securityContext?.runAsNonRoot)) err(cw, "may run as root");
		if (JSON.stringify(sc.capabilities?.drop) !== '["ALL"]') err(cw, "capabilities not dropped (ALL)");
		const stage = c.name.replace(/-\d+$/, "");
		const want = (CAPS[stage] || []).join(",");
		const have = [...(sc.capabilities?.add || [])].sort().join(",");
		if (have !== want) err(cw, `capabilities [${have}], design.md says [${want}]`);
		if (!want && sc.allowPrivilegeEscalation !== false) err(cw, "allowPrivilegeEscalation not false");
		if (!c.livenessProbe || !c.readinessProbe) err(cw, "no liveness/readiness probe");
		for (const m of c.volumeMounts || []) if (!vols.has(m.name)) err(cw, `mounts undeclared volume ${m.name}`);
		for (const e of c.env || []) {
			const r = e.valueFrom?.secretKeyRef;
			if (r) {
				const s = byKind("Secret").find((x) => x.metadata.name === r.name);
				if (!s || !((s.stringData || {})[r.key] ?? (s.data || {})[r.key])) err(cw, `secret ${r.name}/${r.key} missing`);
			}
			if (e.name === "LANNER_EVAL_INDEX") evalIdx.push(Number(e.value));
			if (e.name === "LANNER_EVALUATORS") nevals = Number(e.value);
		}
		if (w.kind === "DaemonSet") {
			const shm = (c.volumeMounts || []).find((m) => m.mountPath === "/dev/shm");
			if (!shm || vols.get(shm.name)?.emptyDir?.medium !== "Memory") err(cw, "no shared /dev/shm (emptyDir medium Memory)");
			const run = (c.volumeMounts || []).find((m) => m.mountPath === "/run/lanner");
			if (!run || !vols.get(run.name)?.emptyDir) err(cw, "no shared /run/lanner emptyDir");
		}
	}
	if (w.kind === "DaemonSet") {
		// containerd's state (CRI metadata from its task bundles), read-only, where
		// the enricher is told to look (LANNER_CONTAINERD_STATE_DIR)
		const enr = pod.containers.find((c) => (c.args || [])[0] === "enricher");
		const dirEnv = (enr?.env || []).find((e) => e.name === "LANNER_CONTAINERD_STATE_DIR")?.value;
		const m = (enr?.volumeMounts || []).find((x) => x.mountPath === dirEnv);
		if (!enr || !dirEnv || !m || !m.readOnly || vols.get(m.name)?.hostPath?.path !== "/run/containerd")
			err(where, "enricher: host /run/containerd not mounted read-only at LANNER_CONTAINERD_STATE_DIR");
		if (!pod.hostPID) err(where, "hostPID needed (the collector reports host pids)");
		evalIdx.sort((a, b) => a - b);
		if (nevals === null || JSON.stringify(evalIdx) !== JSON.stringify([...Array(nevals).keys()]))
			err(where, `evaluator indexes [${evalIdx}] do not cover 0..LANNER_EVALUATORS-1 (${nevals})`);
	} else {
		for (const c of pod.containers) {
			for (const p of [c.livenessProbe, c.readinessProbe])
				if (p?.httpGet?.path !== "/api/v1/healthz") err(`${where} container ${c.name}`, "probe is not httpGet /api/v1/healthz (lanner-ui)");
		}
	}
}
for (const s of byKind("Service")) {
	const pods = [...byKind("Deployment"), ...byKind("DaemonSet")].filter((w) =>
		Object.entries(s.spec.selector).every(([k, v]) => w.spec.template.metadata.labels[k] === v));
	if (pods.length !== 1) err(`Service/${s.metadata.name}`, `selector matches ${pods.length} workloads`);
	for (const p of s.spec.ports) {
		if (typeof p.targetPort === "string" && !pods.some((w) => w.spec.template.spec.containers.some((c) =>
			(c.ports || []).some((cp) => cp.name === p.targetPort)))) err(`Service/${s.metadata.name}`, `targetPort ${p.targetPort} unknown`);
	}
}
// The ConfigMaps carry deploy/'s files verbatim.
const deploy = resolve(dir, "..");
for (const [name, key, file] of [["lanner-config", "lanner.yaml", "lanner.yaml"],
	["lanner-rules", "lanner_rules.yaml", "../rules/lanner_rules.yaml"]]) {
	const cm = byKind("ConfigMap").find((d) => d.metadata.name === name);
	if (!cm || cm.data?.[key] !== readFileSync(join(deploy, file), "utf8"))
		err(`ConfigMap/${name}`, `data.${key} differs from deploy/${file}`);
}
for (const e of errs) console.log("k8s:", e);
console.log(`k8s: ${docs.length} resources checked, ${errs.length} problems`);
process.exit(errs.length ? 1 : 0);
