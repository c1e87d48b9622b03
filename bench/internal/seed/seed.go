// Package seed fills a test cluster with objects for the benchmarks.
package seed

import (
	"context"
	"errors"
	"fmt"
	"sync"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"

	"github.com/fleetguard/fleetguard/internal/testfleet"
)

// Client is an admin clientset for c without client-side rate limits or
// printed warnings.
func Client(c *testfleet.Cluster) (*kubernetes.Clientset, error) {
	cfg := rest.CopyConfig(c.Config)
	cfg.QPS, cfg.Burst = -1, 0
	cfg.WarningHandler = rest.NoWarnings{}
	return kubernetes.NewForConfig(cfg)
}

// Namespace is the name of the i-th benchmark namespace.
func Namespace(i int) string { return fmt.Sprintf("bench-%02d", i) }

// Namespaces creates the namespaces bench-00 to bench-(n-1) in cluster c,
// each with its default ServiceAccount.
func Namespaces(ctx context.Context, cs kubernetes.Interface, c *testfleet.Cluster, n int) error {
	for i := range n {
		ns := Namespace(i)
		if _, err := cs.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}, metav1.CreateOptions{}); err != nil {
			return fmt.Errorf("cluster %q: namespace %s: %w", c.Name, ns, err)
		}
		if _, err := cs.CoreV1().ServiceAccounts(ns).Create(ctx, &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: "default"}}, metav1.CreateOptions{}); err != nil {
			return fmt.Errorf("cluster %q: service account %s/default: %w", c.Name, ns, err)
		}
	}
	return nil
}

// Fleet calls fill for every cluster at once and returns their errors
// joined.
func Fleet(clusters []*testfleet.Cluster, fill func(*testfleet.Cluster) error) error {
	errs := make([]error, len(clusters))
	var wg sync.WaitGroup
	for i, c := range clusters {
		wg.Go(func() { errs[i] = fill(c) })
	}
	wg.Wait()
	return errors.Join(errs...)
}

// Parallel calls create for 0 to n-1 from the given number of workers, and
// returns the first error; the other calls still run.
func Parallel(n, workers int, create func(i int) error) error {
	jobs := make(chan int)
	var first error
	var mu sync.Mutex
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for i := range jobs {
				if err := create(i); err != nil {
					mu.Lock()
					if first == nil {
						first = err
					}
					mu.Unlock()
				}
			}
		})
	}
	for i := range n {
		jobs <- i
	}
	close(jobs)
	wg.Wait()
	return first
}
