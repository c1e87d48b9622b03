package main

import (
	"fmt"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/fleetguard/fleetguard/engine"
	"github.com/fleetguard/fleetguard/evidence"
)

func newAuditVerify() *cobra.Command {
	var key string
	cmd := &cobra.Command{
		Use:   "verify MANIFEST",
		Short: "Check the signature of an audit's evidence manifest and every file it lists",
		Long: `verify checks evidence.json (written by "policy audit --sign") against its
signature evidence.json.sig and the public key, then re-hashes every report
file it lists. Any changed byte fails. Exit 0 when all is intact, 1 otherwise.`,
		Example: `  policy audit verify out/evidence.json --key fleetguard.pub`,
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if key == "" {
				return usageErr("verify: --key PUBLIC_KEY is required")
			}
			pub, err := evidence.LoadPublicKey(key)
			if err != nil {
				return &exitError{code: exitUsage, err: err}
			}
			m, err := evidence.Verify(args[0], pub)
			if err != nil {
				return &exitError{code: exitFindings, err: err}
			}
			fmt.Fprintf(cmd.OutOrStdout(), "ok: %d files signed by key %s on %s\nbundle %s, engine %s\n",
				len(m.Files), m.KeyID, m.Created.Format("2006-01-02 15:04 MST"), m.BundleDigest, m.EngineVersion)
			for c, d := range m.SnapshotDigests {
				fmt.Fprintf(cmd.OutOrStdout(), "snapshot %s %s\n", c, d)
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&key, "key", "", "ed25519 public key (PEM)")
	return cmd
}

func newAuditKeygen() *cobra.Command {
	var out string
	cmd := &cobra.Command{
		Use:     "keygen",
		Short:   "Generate an ed25519 key pair for signing audit evidence",
		Example: "  policy audit keygen --out fleetguard   # writes fleetguard.pem and fleetguard.pub",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := evidence.GenerateKey(out+".pem", out+".pub"); err != nil {
				return &exitError{code: exitUsage, err: err}
			}
			fmt.Fprintf(cmd.OutOrStdout(), "wrote %s.pem (private, keep it secret) and %s.pub\n", out, out)
			return nil
		},
	}
	cmd.Flags().StringVar(&out, "out", "fleetguard", "path prefix of the key files")
	return cmd
}

// signOutputs signs every report file written by the audit, in the
// directory of the first one.
func signOutputs(keyPath string, outs []output, r *engine.Result) (string, error) {
	var files []string
	for _, o := range outs {
		if o.file != "" {
			files = append(files, o.file)
		}
	}
	if len(files) == 0 {
		return "", usageErr("--sign: write at least one report to a file (-o FORMAT=FILE)")
	}
	key, err := evidence.LoadPrivateKey(keyPath)
	if err != nil {
		return "", &exitError{code: exitUsage, err: err}
	}
	dir := filepath.Dir(files[0])
	p := r.Provenance
	if _, err := evidence.Sign(dir, files, evidence.Provenance{EngineVersion: p.EngineVersion, BundleDigest: p.BundleDigest, SnapshotDigests: p.SnapshotDigests, Time: p.Time}, key); err != nil {
		return "", &exitError{code: exitUsage, err: err}
	}
	return filepath.Join(dir, evidence.ManifestName), nil
}
