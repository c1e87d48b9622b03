package fetchers

import (
	"context"
	"encoding/json"
	"fmt"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// secretKinds are Secrets (metadata, type and key count; never a value) and
// ConfigMaps (name and namespace only).
var secretKinds = []kind{
	{kind: "Secret", gvr: secretsGVR, page: (*collector).secretsPage},
	{kind: "ConfigMap", gvr: configMapsGVR, page: (*collector).configMapsPage},
}

var (
	secretsGVR    = schema.GroupVersionResource{Version: "v1", Resource: "secrets"}
	configMapsGVR = schema.GroupVersionResource{Version: "v1", Resource: "configmaps"}
)

// TableAccept asks the apiserver for the server-side printed form of a list
// (what kubectl get shows) instead of the objects. Only this media type is
// offered, so a server that cannot print a Table answers 406 rather than
// falling back to the full objects.
const TableAccept = "application/json;as=Table;v=v1;g=meta.k8s.io"

// secretsPage lists one page of Secrets as a Table with includeObject=Metadata.
// Each row carries the printed columns Name, Type, Data (the number of keys)
// and Age, and the Secret's PartialObjectMetadata; the apiserver never puts
// data or stringData in the response. A server that cannot print Tables
// (406) is read through the metadata client instead, without the type.
func (c *collector) secretsPage(ctx context.Context, opts metav1.ListOptions, add func(map[string]any) error) (metav1.ListMeta, error) {
	req := withListOptions(c.core.Get().Resource("secrets"), opts).
		Param("includeObject", string(metav1.IncludeMetadata)).
		SetHeader("Accept", TableAccept)
	raw, err := req.Do(ctx).Raw()
	if err != nil && len(raw) > 0 {
		// client-go cannot decode a Status answered to a Table request and
		// reports "unknown": decode it here, for the real reason.
		var st metav1.Status
		if json.Unmarshal(raw, &st) == nil && st.Kind == "Status" && st.Message != "" {
			err = &apierrors.StatusError{ErrStatus: st}
		}
	}
	if apierrors.IsNotAcceptable(err) {
		return c.metadataPage(ctx, secretsGVR, "Secret", opts, add)
	}
	if err != nil {
		return metav1.ListMeta{}, err
	}
	return secretTable(raw, add)
}

// secretTable turns a Table of Secrets into Secret objects holding metadata,
// type and dataKeys, passed to add, and returns the table's list metadata. It
// refuses anything that is not a Table, so a misbehaving server that sends
// full Secrets is never decoded.
func secretTable(raw []byte, add func(map[string]any) error) (metav1.ListMeta, error) {
	var tbl metav1.Table
	if err := json.Unmarshal(raw, &tbl); err != nil {
		return metav1.ListMeta{}, fmt.Errorf("decoding the Secret table: %w", err)
	}
	if tbl.Kind != "Table" {
		return metav1.ListMeta{}, fmt.Errorf("asked for a Table of Secrets, got kind %q", tbl.Kind)
	}
	typeCol, dataCol := -1, -1
	for i, col := range tbl.ColumnDefinitions {
		switch col.Name {
		case "Type":
			typeCol = i
		case "Data":
			dataCol = i
		}
	}
	for i, row := range tbl.Rows {
		var pom struct {
			Metadata map[string]any `json:"metadata"`
		}
		if len(row.Object.Raw) == 0 {
			return metav1.ListMeta{}, fmt.Errorf("Secret table row %d has no metadata (includeObject=Metadata ignored)", i)
		}
		if err := json.Unmarshal(row.Object.Raw, &pom); err != nil {
			return metav1.ListMeta{}, fmt.Errorf("decoding the metadata of Secret table row %d: %w", i, err)
		}
		obj := map[string]any{"apiVersion": "v1", "kind": "Secret", "metadata": pom.Metadata}
		if typeCol >= 0 && typeCol < len(row.Cells) {
			if t, ok := row.Cells[typeCol].(string); ok && t != "" {
				obj["type"] = t
			}
		}
		if dataCol >= 0 && dataCol < len(row.Cells) {
			if n, ok := row.Cells[dataCol].(float64); ok {
				obj["dataKeys"] = int64(n)
			}
		}
		if err := add(obj); err != nil {
			return metav1.ListMeta{}, err
		}
	}
	return tbl.ListMeta, nil
}

// configMapsPage lists one page of ConfigMaps through the metadata client:
// their content is never transferred, and only names are kept.
func (c *collector) configMapsPage(ctx context.Context, opts metav1.ListOptions, add func(map[string]any) error) (metav1.ListMeta, error) {
	return c.metadataPage(ctx, configMapsGVR, "ConfigMap", opts, add)
}

// metadataPage lists one page of PartialObjectMetadata and passes each item
// to add as an object of the given kind holding only apiVersion, kind and
// metadata (snapshot.Sanitize trims them further).
func (c *collector) metadataPage(ctx context.Context, gvr schema.GroupVersionResource, kind string, opts metav1.ListOptions, add func(map[string]any) error) (metav1.ListMeta, error) {
	pl, err := c.meta.Resource(gvr).List(ctx, opts)
	if err != nil {
		return metav1.ListMeta{}, err
	}
	for i := range pl.Items {
		m := &pl.Items[i].ObjectMeta
		md := map[string]any{"name": m.Name}
		if m.Namespace != "" {
			md["namespace"] = m.Namespace
		}
		if kind != "ConfigMap" {
			md["uid"] = string(m.UID)
			md["creationTimestamp"] = m.CreationTimestamp.UTC().Format("2006-01-02T15:04:05Z")
			if len(m.Labels) > 0 {
				md["labels"] = stringMap(m.Labels)
			}
			if len(m.Annotations) > 0 {
				md["annotations"] = stringMap(m.Annotations)
			}
			if len(m.OwnerReferences) > 0 {
				refs := make([]any, 0, len(m.OwnerReferences))
				for _, r := range m.OwnerReferences {
					refs = append(refs, map[string]any{"apiVersion": r.APIVersion, "kind": r.Kind, "name": r.Name, "uid": string(r.UID)})
				}
				md["ownerReferences"] = refs
			}
		}
		if err := add(map[string]any{"apiVersion": gvr.GroupVersion().String(), "kind": kind, "metadata": md}); err != nil {
			return metav1.ListMeta{}, err
		}
	}
	return pl.ListMeta, nil
}

func stringMap(m map[string]string) map[string]any {
	out := make(map[string]any, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}
