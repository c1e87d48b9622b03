// Package testfleet runs a local fleet of real Kubernetes API servers: one
// etcd and one kube-apiserver process per cluster, on free loopback ports, for
// tests and the demo. No container engine, kubelet or controller-manager is
// involved; objects are stored and served exactly as on a real cluster, and
// Pods stay Pending.
//
// # Binaries
//
// hack/fleet-binaries.sh (make fleet-binaries) builds etcd-<EtcdVersion> and
// kube-apiserver-<version> for Current and Old into .cache/fleet/bin. They
// are started by absolute path, which is how hack/leftovers.sh recognises
// processes left behind.
//
// # Use in tests
//
//	f := testfleet.Start(t, testfleet.Options{Seed: true})
//	c := f.Cluster("prod-us")
//	cs := kubernetes.NewForConfigOrDie(c.AuditorConfig)
//
// Start kills every process group and removes the temporary directory when
// the test ends, also after a failure or a panic; the processes also get
// SIGKILL if the test binary dies first. Start clusters once per package and
// share them across subtests: a start costs about 3 s of two CPU cores.
//
// # Use by people
//
// internal/testfleet/cmd/fleet (make fleet-up, make fleet-down) runs the same
// fleet detached, with everything in .fleet/: kubeconfig, fleet.yaml,
// state.json (pids) and logs/.
//
// # Users
//
// Every cluster authenticates four token users (--token-auth-file), plus any
// Options.Users:
//   - admin: group system:masters;
//   - auditor: group fleetguard:auditors, bound by deploy/fetcher/clusterrole.yaml
//     (applied unchanged) to exactly the fetchers' read-only ClusterRole;
//   - restricted: authenticated, no role;
//   - no-secrets: the fetcher role minus secrets (fleetguard-fetcher-no-secrets),
//     to test audits that are partial because of RBAC.
//
// # Kubeconfig
//
// One cluster per fleet cluster, named like it, with the apiserver's
// self-signed CA pinned; contexts <name> (admin) and <name>-auditor; users
// <name>-admin and <name>-auditor. The current context is the first cluster.
//
// # Fleet config
//
// Labels are not a kubeconfig concept, so fleet.yaml, written next to the
// kubeconfig, carries them (see Config):
//
//	kubeconfig: /abs/path/.fleet/kubeconfig
//	clusters:
//	  - name: prod-us             # cluster name used in results
//	    context: prod-us          # kubeconfig context to audit through
//	    labels:                   # free-form; env, region and tier by convention
//	      env: prod
//	      region: us-east-1
//	      tier: critical
//	    systemNamespaces: [kube-system, kube-public, kube-node-lease]
//
// # Seeding
//
// Every cluster gets the fetcher RBAC above and a `default` ServiceAccount in
// every namespace (the controller-manager's job elsewhere). With
// Options.Seed, the YAML files of testdata/fleet/common and
// testdata/fleet/<cluster> are applied with server-side apply (field manager
// "testfleet"), namespaces first and admission webhooks last; a fixture's
// status, such as a Node's status.nodeInfo, is written through the status
// subresource. testdata/fleet/README.md lists what differs between the
// clusters on purpose.
package testfleet
