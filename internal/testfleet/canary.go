package testfleet

import (
	"context"
	"encoding/json"
	"fmt"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"

	"github.com/fleetguard/fleetguard/snapshot"
)

// SeedCanary plants value where a leaky collector would copy it, so a test
// can grep its output for the value. In namespace default it creates a
// Secret canary-secret the way kubectl apply does (the last-applied
// annotation holds the whole object, value included), a Pod canary-pod and
// a Deployment canary-deploy with the value in a literal env var (and one
// env var from the Secret), and a ConfigMap canary-config holding it.
func (c *Cluster) SeedCanary(ctx context.Context, value string) error {
	cs, err := kubernetes.NewForConfig(c.Config)
	if err != nil {
		return err
	}
	applied, err := json.Marshal(map[string]any{
		"apiVersion": "v1", "kind": "Secret", "type": "Opaque",
		"metadata":   map[string]any{"name": "canary-secret", "namespace": "default"},
		"stringData": map[string]any{"token": value},
	})
	if err != nil {
		return err
	}
	if _, err := cs.CoreV1().Secrets("default").Create(ctx, &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Name: "canary-secret", Annotations: map[string]string{snapshot.LastApplied: string(applied) + "\n"}},
		Type:       corev1.SecretTypeOpaque,
		StringData: map[string]string{"token": value},
	}, metav1.CreateOptions{}); err != nil {
		return fmt.Errorf("cluster %s: creating the canary Secret: %w", c.Name, err)
	}
	spec := corev1.PodSpec{Containers: []corev1.Container{{
		Name: "app", Image: "registry.example.com/app:1",
		Env: []corev1.EnvVar{{Name: "TOKEN", Value: value}, {Name: "FROM_SECRET", ValueFrom: &corev1.EnvVarSource{
			SecretKeyRef: &corev1.SecretKeySelector{LocalObjectReference: corev1.LocalObjectReference{Name: "canary-secret"}, Key: "token"}}}},
	}}}
	if _, err := cs.CoreV1().Pods("default").Create(ctx, &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "canary-pod"}, Spec: spec}, metav1.CreateOptions{}); err != nil {
		return fmt.Errorf("cluster %s: creating the canary Pod: %w", c.Name, err)
	}
	labels := map[string]string{"app": "canary"}
	dep := &appsv1.Deployment{ObjectMeta: metav1.ObjectMeta{Name: "canary-deploy"}, Spec: appsv1.DeploymentSpec{
		Selector: &metav1.LabelSelector{MatchLabels: labels},
		Template: corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: labels}, Spec: spec},
	}}
	if _, err := cs.AppsV1().Deployments("default").Create(ctx, dep, metav1.CreateOptions{}); err != nil {
		return fmt.Errorf("cluster %s: creating the canary Deployment: %w", c.Name, err)
	}
	cm := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "canary-config"}, Data: map[string]string{"token": value}}
	if _, err := cs.CoreV1().ConfigMaps("default").Create(ctx, cm, metav1.CreateOptions{}); err != nil {
		return fmt.Errorf("cluster %s: creating the canary ConfigMap: %w", c.Name, err)
	}
	return nil
}
