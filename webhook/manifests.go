package webhook

import (
	"bytes"
	"fmt"
	"strings"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apimeta "k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"sigs.k8s.io/yaml"
)

// ManifestOptions configures Manifests.
type ManifestOptions struct {
	Namespace      string // where the webhook runs; excluded from admission
	Image          string
	Replicas       int32
	FailurePolicy  string // Fail or Ignore
	TimeoutSeconds int32
	CABundle       []byte // PEM of the CA that signed the serving certificate; empty leaves it to be patched in
	Args           []string
	// Inventory are the kinds for --inventory ([GROUP/]VERSION/KIND): the
	// Deployment gets the flag and the ClusterRole get, list and watch on them.
	Inventory []string
}

// DefaultManifestOptions are the options of deploy/webhook/.
func DefaultManifestOptions() ManifestOptions {
	return ManifestOptions{
		Namespace:      "fleetguard-system",
		Image:          "ghcr.io/fleetguard/policy:latest",
		Replicas:       2,
		FailurePolicy:  "Fail",
		TimeoutSeconds: 5,
	}
}

// ManifestFiles returns the webhook's deployment manifests as YAML files
// (name to content), the same set as deploy/webhook/ minus its
// kustomization.yaml: namespace, RBAC, Deployment (2 replicas, probes,
// resources), Service, PodDisruptionBudget and the
// ValidatingWebhookConfiguration.
func ManifestFiles(o ManifestOptions) (map[string][]byte, []string, error) {
	if o.FailurePolicy != "Fail" && o.FailurePolicy != "Ignore" {
		return nil, nil, fmt.Errorf("failure policy %q: want Fail or Ignore", o.FailurePolicy)
	}
	if o.TimeoutSeconds < 1 || o.TimeoutSeconds > 30 {
		return nil, nil, fmt.Errorf("timeout %ds: want 1 to 30 seconds", o.TimeoutSeconds)
	}
	invKinds, err := ParseInventoryKinds(o.Inventory)
	if err != nil {
		return nil, nil, err
	}
	const name = "fleetguard-webhook"
	labels := map[string]string{"app.kubernetes.io/name": name, "app.kubernetes.io/part-of": "fleetguard"}
	meta := func(kind, apiVersion string, namespaced bool) (metav1.TypeMeta, metav1.ObjectMeta) {
		om := metav1.ObjectMeta{Name: name, Labels: labels}
		if namespaced {
			om.Namespace = o.Namespace
		}
		return metav1.TypeMeta{Kind: kind, APIVersion: apiVersion}, om
	}

	nsT, nsM := meta("Namespace", "v1", false)
	nsM.Name = o.Namespace
	nsM.Labels = map[string]string{"app.kubernetes.io/part-of": "fleetguard", "fleetguard.dev/ignore": "true",
		"pod-security.kubernetes.io/enforce": "restricted"}
	ns := &corev1.Namespace{TypeMeta: nsT, ObjectMeta: nsM}

	saT, saM := meta("ServiceAccount", "v1", true)
	sa := &corev1.ServiceAccount{TypeMeta: saT, ObjectMeta: saM, AutomountServiceAccountToken: ptr(true)}
	crT, crM := meta("ClusterRole", "rbac.authorization.k8s.io/v1", false)
	cr := &rbacv1.ClusterRole{TypeMeta: crT, ObjectMeta: crM, Rules: []rbacv1.PolicyRule{
		// Namespace labels feed input.namespace and the exemption label.
		{APIGroups: []string{""}, Resources: []string{"namespaces"}, Verbs: []string{"get", "list", "watch"}},
	}}
	// The inventory's watches; the resource is guessed from the kind the way
	// kubectl does for unknown kinds (Ingress: ingresses).
	var invArgs []string
	for _, gvk := range invKinds {
		gvr, _ := apimeta.UnsafeGuessKindToResource(gvk)
		cr.Rules = append(cr.Rules, rbacv1.PolicyRule{APIGroups: []string{gvk.Group}, Resources: []string{gvr.Resource}, Verbs: []string{"get", "list", "watch"}})
		invArgs = append(invArgs, kindString(gvk))
	}
	crbT, crbM := meta("ClusterRoleBinding", "rbac.authorization.k8s.io/v1", false)
	crb := &rbacv1.ClusterRoleBinding{TypeMeta: crbT, ObjectMeta: crbM,
		RoleRef:  rbacv1.RoleRef{APIGroup: "rbac.authorization.k8s.io", Kind: "ClusterRole", Name: name},
		Subjects: []rbacv1.Subject{{Kind: "ServiceAccount", Name: name, Namespace: o.Namespace}},
	}

	args := append([]string{"webhook", "--listen=:8443", "--tls-cert=/tls/tls.crt", "--tls-key=/tls/tls.key",
		"--exempt-namespace=" + o.Namespace, "--namespace-cache", "--decision-log=-"}, o.Args...)
	if len(invArgs) > 0 {
		args = append(args, "--inventory="+strings.Join(invArgs, ","))
	}
	depT, depM := meta("Deployment", "apps/v1", true)
	dep := &appsv1.Deployment{TypeMeta: depT, ObjectMeta: depM, Spec: appsv1.DeploymentSpec{
		Replicas: ptr(o.Replicas),
		Selector: &metav1.LabelSelector{MatchLabels: labels},
		Strategy: appsv1.DeploymentStrategy{Type: appsv1.RollingUpdateDeploymentStrategyType, RollingUpdate: &appsv1.RollingUpdateDeployment{
			MaxUnavailable: ptr(intstr.FromInt32(0)), MaxSurge: ptr(intstr.FromInt32(1)),
		}},
		Template: corev1.PodTemplateSpec{
			ObjectMeta: metav1.ObjectMeta{Labels: labels},
			Spec: corev1.PodSpec{
				ServiceAccountName: name,
				SecurityContext: &corev1.PodSecurityContext{RunAsNonRoot: ptr(true), RunAsUser: ptr(int64(65532)),
					SeccompProfile: &corev1.SeccompProfile{Type: corev1.SeccompProfileTypeRuntimeDefault}},
				Affinity: &corev1.Affinity{PodAntiAffinity: &corev1.PodAntiAffinity{
					PreferredDuringSchedulingIgnoredDuringExecution: []corev1.WeightedPodAffinityTerm{{Weight: 100, PodAffinityTerm: corev1.PodAffinityTerm{
						LabelSelector: &metav1.LabelSelector{MatchLabels: labels}, TopologyKey: "kubernetes.io/hostname",
					}}},
				}},
				Containers: []corev1.Container{{
					Name: "webhook", Image: o.Image, Args: args,
					Ports: []corev1.ContainerPort{{Name: "https", ContainerPort: 8443, Protocol: corev1.ProtocolTCP}},
					LivenessProbe: &corev1.Probe{ProbeHandler: corev1.ProbeHandler{HTTPGet: &corev1.HTTPGetAction{
						Path: "/healthz", Port: intstr.FromString("https"), Scheme: corev1.URISchemeHTTPS}},
						PeriodSeconds: 10, FailureThreshold: 3},
					ReadinessProbe: &corev1.Probe{ProbeHandler: corev1.ProbeHandler{HTTPGet: &corev1.HTTPGetAction{
						Path: "/readyz", Port: intstr.FromString("https"), Scheme: corev1.URISchemeHTTPS}},
						PeriodSeconds: 5, FailureThreshold: 2},
					Resources: corev1.ResourceRequirements{
						Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("100m"), corev1.ResourceMemory: resource.MustParse("128Mi")},
						Limits:   corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("1"), corev1.ResourceMemory: resource.MustParse("512Mi")},
					},
					SecurityContext: &corev1.SecurityContext{AllowPrivilegeEscalation: ptr(false), ReadOnlyRootFilesystem: ptr(true),
						RunAsNonRoot: ptr(true), Capabilities: &corev1.Capabilities{Drop: []corev1.Capability{"ALL"}}},
					VolumeMounts: []corev1.VolumeMount{{Name: "tls", MountPath: "/tls", ReadOnly: true}},
				}},
				Volumes: []corev1.Volume{{Name: "tls", VolumeSource: corev1.VolumeSource{Secret: &corev1.SecretVolumeSource{SecretName: name + "-tls"}}}},
			},
		},
	}}

	svcT, svcM := meta("Service", "v1", true)
	svc := &corev1.Service{TypeMeta: svcT, ObjectMeta: svcM, Spec: corev1.ServiceSpec{
		Selector: labels,
		Ports:    []corev1.ServicePort{{Name: "https", Port: 443, TargetPort: intstr.FromString("https"), Protocol: corev1.ProtocolTCP}},
	}}

	pdbT, pdbM := meta("PodDisruptionBudget", "policy/v1", true)
	pdb := &policyv1.PodDisruptionBudget{TypeMeta: pdbT, ObjectMeta: pdbM, Spec: policyv1.PodDisruptionBudgetSpec{
		MinAvailable: ptr(intstr.FromInt32(1)),
		Selector:     &metav1.LabelSelector{MatchLabels: labels},
	}}

	vwcT, vwcM := meta("ValidatingWebhookConfiguration", "admissionregistration.k8s.io/v1", false)
	fp := admissionregistrationv1.FailurePolicyType(o.FailurePolicy)
	vwc := &admissionregistrationv1.ValidatingWebhookConfiguration{TypeMeta: vwcT, ObjectMeta: vwcM, Webhooks: []admissionregistrationv1.ValidatingWebhook{{
		Name: "validate.fleetguard.dev",
		ClientConfig: admissionregistrationv1.WebhookClientConfig{
			Service:  &admissionregistrationv1.ServiceReference{Namespace: o.Namespace, Name: name, Path: ptr("/validate"), Port: ptr(int32(443))},
			CABundle: o.CABundle,
		},
		Rules: []admissionregistrationv1.RuleWithOperations{{
			Operations: []admissionregistrationv1.OperationType{admissionregistrationv1.Create, admissionregistrationv1.Update},
			Rule: admissionregistrationv1.Rule{APIGroups: []string{"*"}, APIVersions: []string{"*"}, Resources: []string{"*"},
				Scope: ptr(admissionregistrationv1.AllScopes)},
		}},
		FailurePolicy:  &fp,
		MatchPolicy:    ptr(admissionregistrationv1.Equivalent),
		SideEffects:    ptr(admissionregistrationv1.SideEffectClassNone),
		TimeoutSeconds: ptr(o.TimeoutSeconds),
		NamespaceSelector: &metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{
			{Key: "kubernetes.io/metadata.name", Operator: metav1.LabelSelectorOpNotIn, Values: []string{o.Namespace}},
			{Key: "fleetguard.dev/ignore", Operator: metav1.LabelSelectorOpDoesNotExist},
			{Key: "admission.gatekeeper.sh/ignore", Operator: metav1.LabelSelectorOpDoesNotExist},
		}},
		AdmissionReviewVersions: []string{"v1"},
	}}}

	files := []struct {
		name string
		objs []any
	}{
		{"namespace.yaml", []any{ns}},
		{"rbac.yaml", []any{sa, cr, crb}},
		{"deployment.yaml", []any{dep}},
		{"service.yaml", []any{svc}},
		{"pdb.yaml", []any{pdb}},
		{"validatingwebhookconfiguration.yaml", []any{vwc}},
	}
	out := map[string][]byte{}
	var order []string
	for _, f := range files {
		var buf bytes.Buffer
		for i, obj := range f.objs {
			raw, err := cleanYAML(obj)
			if err != nil {
				return nil, nil, fmt.Errorf("rendering %s: %w", f.name, err)
			}
			if i > 0 {
				buf.WriteString("---\n")
			}
			buf.Write(raw)
		}
		out[f.name] = buf.Bytes()
		order = append(order, f.name)
	}
	return out, order, nil
}

// Manifests renders every manifest as one multi-document YAML stream.
func Manifests(o ManifestOptions) ([]byte, error) {
	files, order, err := ManifestFiles(o)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	for i, name := range order {
		if i > 0 {
			buf.WriteString("---\n")
		}
		buf.Write(files[name])
	}
	return buf.Bytes(), nil
}

// cleanYAML renders obj without the empty status and creationTimestamp the
// typed API structs carry.
func cleanYAML(obj any) ([]byte, error) {
	raw, err := yaml.Marshal(obj)
	if err != nil {
		return nil, err
	}
	var m map[string]any
	if err := yaml.Unmarshal(raw, &m); err != nil {
		return nil, err
	}
	prune(m)
	return yaml.Marshal(m)
}

// prune removes status, null creationTimestamp and empty maps, recursively.
func prune(m map[string]any) {
	delete(m, "status")
	for k, v := range m {
		switch x := v.(type) {
		case nil:
			delete(m, k)
		case map[string]any:
			prune(x)
			if len(x) == 0 {
				delete(m, k)
			}
		case []any:
			for _, e := range x {
				if em, ok := e.(map[string]any); ok {
					prune(em)
				}
			}
		}
	}
}

func ptr[T any](v T) *T { return &v }
