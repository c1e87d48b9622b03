package main

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/open-policy-agent/opa/v1/bundle"
	"github.com/spf13/cobra"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"

	"github.com/fleetguard/fleetguard/engine"
	"github.com/fleetguard/fleetguard/webhook"
)

func newWebhook() *cobra.Command {
	var (
		listen, certFile, keyFile, src    string
		poll, timeout                     time.Duration
		verifyKey, verifyKeyID, verifyAlg string
		failOpen, evalDelete, evalConn    bool
		exemptNS, exemptLabels            []string
		clusterName, decisionLog          string
		clusterLabels                     map[string]string
		nsCache                           bool
		kubeconfig                        string
		invKinds                          []string
		invMax                            int
		memLimit                          int64
	)
	cmd := &cobra.Command{
		Use:   "webhook",
		Short: "Serve the validating admission webhook",
		Long: `webhook serves a Kubernetes ValidatingAdmissionWebhook (admission.k8s.io/v1)
at /validate over TLS, evaluating each object with the same bundle and engine
as scan and audit. Each policy's enforcement decides the answer: deny refuses
the request with the policies' messages, warn admits it with admission
warnings, dryrun admits it and only logs and counts.

The certificate and key are re-read when their files change, and the bundle
source (a directory, a .tar.gz or an http(s) URL, polled with ETag) is
recompiled and swapped in without a restart; a bad or unreachable bundle
keeps the last good one. /readyz fails until a bundle is loaded. /healthz,
/readyz (with bundle detail) and /metrics (Prometheus) are served beside
/validate. One JSON line per decision goes to --decision-log.

--inventory keeps data.inventory for referential Gatekeeper templates (such
as unique ingress hosts) from watches on the given kinds, trimmed (no status,
managedFields or last-applied-configuration; Secrets as metadata only) and
capped at --inventory-max-objects. The watches run only while the bundle has
a template that reads data.inventory, and /readyz fails until they synced.`,
		Example: `  policy webhook --tls-cert tls.crt --tls-key tls.key
  policy webhook --listen 127.0.0.1:8443 --tls-cert tls.crt --tls-key tls.key \
      --bundle https://bundles.example.com/fleet.tar.gz --verification-key pub.pem
  policy webhook --tls-cert tls.crt --tls-key tls.key \
      --inventory networking.k8s.io/v1/Ingress,v1/Service,v1/Namespace --inventory-max-objects 20000
  policy webhook manifests --namespace fleetguard-system | kubectl apply -f -`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if certFile == "" || keyFile == "" {
				return usageErr("webhook: --tls-cert and --tls-key are required")
			}
			tuneGC(800, memLimit)
			load := engine.LoadOptions{}
			if verifyKey != "" {
				pem, err := os.ReadFile(verifyKey)
				if err != nil {
					return usageErr("--verification-key: %w", err)
				}
				load.Verification = bundle.NewVerificationConfig(map[string]*bundle.KeyConfig{
					verifyKeyID: {Key: string(pem), Algorithm: verifyAlg},
				}, verifyKeyID, "", nil)
			}
			kinds, err := webhook.ParseInventoryKinds(invKinds)
			if err != nil {
				return usageErr("--inventory: %w", err)
			}
			if invMax < 1 {
				return usageErr("--inventory-max-objects %d: want at least 1", invMax)
			}
			certs, err := webhook.NewCerts(certFile, keyFile)
			if err != nil {
				return usageErr("%w", err)
			}
			dl, err := webhook.OpenDecisionLog(decisionLog)
			if err != nil {
				return usageErr("--decision-log: %w", err)
			}
			if dl != nil {
				defer dl.Close()
			}
			ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			logger := slog.New(slog.NewJSONHandler(cmd.ErrOrStderr(), nil))
			cfg := webhook.Config{
				Bundles: webhook.NewBundles(src, load), Certs: certs, Timeout: timeout, FailOpen: failOpen,
				ExemptNamespaces: exemptNS, ExemptLabels: exemptLabels, EvalDelete: evalDelete, EvalConnect: evalConn,
				Cluster: engine.Cluster{Name: clusterName, Labels: clusterLabels}, Logger: logger,
			}
			if dl != nil {
				cfg.DecisionLog = dl
			}
			if nsCache {
				ns, err := namespaceCache(ctx, kubeconfig)
				if err != nil {
					return err
				}
				cfg.Namespaces = ns
			}
			if len(kinds) > 0 {
				rc, err := restConfig(kubeconfig)
				if err != nil {
					return usageErr("--inventory: %w", err)
				}
				inv, err := webhook.NewInventoryForConfig(ctx, rc, webhook.InventoryOptions{Kinds: kinds, MaxObjects: invMax, Logger: logger})
				if err != nil {
					return usageErr("--inventory: %w", err)
				}
				cfg.Inventory = inv
			}
			srv := webhook.New(cfg)
			ln, err := net.Listen("tcp", listen)
			if err != nil {
				return usageErr("--listen %s: %w", listen, err)
			}
			logger.Info("serving the admission webhook", "listen", ln.Addr().String(), "bundle", cfg.Bundles.Source())
			go cfg.Bundles.Run(ctx, poll)
			return srv.Serve(ctx, ln)
		},
	}
	f := cmd.Flags()
	f.Int64Var(&memLimit, "memory-limit-mib", 400, "soft memory limit in MiB: the garbage collector runs rarely until the heap nears it, which keeps p99 latency low; keep it below the container's limit (GOGC or GOMEMLIMIT in the environment win)")
	f.StringVar(&listen, "listen", ":8443", "address to serve HTTPS on")
	f.StringVar(&certFile, "tls-cert", "", "PEM certificate file (re-read when it changes)")
	f.StringVar(&keyFile, "tls-key", "", "PEM private key file (re-read when it changes)")
	f.StringVar(&src, "bundle", "", "policy bundle: a directory, an OPA bundle .tar.gz or an http(s) URL (default: the embedded bundle)")
	f.DurationVar(&poll, "bundle-poll", 30*time.Second, "how often to check the bundle source for a new bundle (0: never)")
	f.StringVar(&verifyKey, "verification-key", "", "PEM public key: require bundles signed with it")
	f.StringVar(&verifyKeyID, "verification-key-id", "default", "key id of --verification-key (the signature's keyid claim)")
	f.StringVar(&verifyAlg, "verification-alg", "RS256", "signature algorithm of --verification-key")
	f.DurationVar(&timeout, "timeout", 2*time.Second, "evaluation deadline per request; past it the failure mode answers")
	f.BoolVar(&failOpen, "fail-open", false, "admit requests that cannot be evaluated in time (default: deny them)")
	f.StringArrayVar(&exemptNS, "exempt-namespace", nil, "namespace never evaluated (repeatable)")
	f.StringArrayVar(&exemptLabels, "exempt-label", webhook.DefaultExemptLabels, "namespace label that exempts its objects (repeatable)")
	f.BoolVar(&evalDelete, "evaluate-delete", false, "evaluate DELETE requests (the old object)")
	f.BoolVar(&evalConn, "evaluate-connect", false, "evaluate CONNECT requests")
	f.StringVar(&clusterName, "cluster-name", "", "cluster name policies see as input.cluster.name")
	f.StringToStringVar(&clusterLabels, "cluster-labels", nil, "labels policies see in input.cluster.labels, e.g. env=prod,region=eu-west-1")
	f.StringVar(&decisionLog, "decision-log", "-", `JSON-lines decision log: a file, "-" for standard error, or "off"`)
	f.BoolVar(&nsCache, "namespace-cache", false, "watch Namespaces (in-cluster or --kubeconfig) for input.namespace and the exemption label")
	f.StringVar(&kubeconfig, "kubeconfig", "", "kubeconfig for --namespace-cache and --inventory (default: in-cluster, then KUBECONFIG)")
	f.StringArrayVar(&invKinds, "inventory", nil, "[GROUP/]VERSION/KIND[,...] to keep in data.inventory for referential Gatekeeper templates (repeatable)")
	f.IntVar(&invMax, "inventory-max-objects", webhook.DefaultInventoryMaxObjects, "most objects kept in data.inventory, across all --inventory kinds")
	cmd.AddCommand(newWebhookManifests())
	return cmd
}

func newWebhookManifests() *cobra.Command {
	o := webhook.DefaultManifestOptions()
	var caFile string
	var extra []string
	cmd := &cobra.Command{
		Use:   "manifests",
		Short: "Print the webhook's Kubernetes manifests",
		Long: `manifests prints the Namespace, RBAC, Deployment (2 replicas, probes,
resources), Service, PodDisruptionBudget and ValidatingWebhookConfiguration
(a namespaceSelector that excludes the webhook's own namespace and namespaces
labelled fleetguard.dev/ignore or admission.gatekeeper.sh/ignore). The same
files, with the defaults, are the kustomize base in deploy/webhook/.`,
		Example: `  policy webhook manifests | kubectl apply -f -
  policy webhook manifests --failure-policy Ignore --ca-bundle ca.crt --image registry/policy:v1
  policy webhook manifests --inventory networking.k8s.io/v1/Ingress,v1/Service`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if caFile != "" {
				pem, err := os.ReadFile(caFile)
				if err != nil {
					return usageErr("--ca-bundle: %w", err)
				}
				o.CABundle = pem
			}
			o.Args = extra
			out, err := webhook.Manifests(o)
			if err != nil {
				return usageErr("%w", err)
			}
			_, err = cmd.OutOrStdout().Write(out)
			return err
		},
	}
	f := cmd.Flags()
	f.StringVarP(&o.Namespace, "namespace", "n", o.Namespace, "namespace the webhook runs in (excluded from admission)")
	f.StringVar(&o.Image, "image", o.Image, "container image")
	f.Int32Var(&o.Replicas, "replicas", o.Replicas, "Deployment replicas")
	f.StringVar(&o.FailurePolicy, "failure-policy", o.FailurePolicy, "Fail or Ignore: what the apiserver does when the webhook cannot answer")
	f.Int32Var(&o.TimeoutSeconds, "timeout-seconds", o.TimeoutSeconds, "apiserver timeout for a webhook call (1-30)")
	f.StringVar(&caFile, "ca-bundle", "", "PEM CA certificate that signed the serving certificate")
	f.StringArrayVar(&extra, "arg", nil, "extra argument for `policy webhook` in the Deployment (repeatable)")
	f.StringArrayVar(&o.Inventory, "inventory", nil, "[GROUP/]VERSION/KIND[,...] for --inventory, with the RBAC to watch them (repeatable)")
	return cmd
}

// restConfig is the in-cluster config, else --kubeconfig, else KUBECONFIG.
func restConfig(kubeconfig string) (*rest.Config, error) {
	rules := clientcmd.NewDefaultClientConfigLoadingRules()
	rules.ExplicitPath = kubeconfig
	return clientcmd.NewNonInteractiveDeferredLoadingClientConfig(rules, &clientcmd.ConfigOverrides{}).ClientConfig()
}

func namespaceCache(ctx context.Context, kubeconfig string) (*webhook.NamespaceCache, error) {
	rc, err := restConfig(kubeconfig)
	if err != nil {
		return nil, usageErr("--namespace-cache: %w", err)
	}
	client, err := kubernetes.NewForConfig(rc)
	if err != nil {
		return nil, usageErr("--namespace-cache: %w", err)
	}
	nc, err := webhook.NewNamespaceCache(ctx, client)
	if err != nil {
		return nil, fmt.Errorf("--namespace-cache: %w", err)
	}
	return nc, nil
}
