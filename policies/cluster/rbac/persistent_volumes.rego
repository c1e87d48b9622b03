# METADATA
# title: Subjects that can create PersistentVolumes
# description: >-
#   A PersistentVolume can be a hostPath: creating one lets a subject mount
#   any directory of a node into its pods, past Pod Security checks on the
#   pod. One finding per non-system subject and binding.
# custom:
#   id: FG-RBAC-111
#   severity: medium
#   scope: cluster
#   kinds: [rbac.authorization.k8s.io/ClusterRole, rbac.authorization.k8s.io/Role, rbac.authorization.k8s.io/ClusterRoleBinding, rbac.authorization.k8s.io/RoleBinding, ServiceAccount]
#   controls:
#     cis-k8s-v1.10: ["5.1.9"]
#     nsa-cisa-v1.2: ["authz/rbac-least-privilege"]
#   remediation: >-
#     Remove create on persistentvolumes; let users claim storage with
#     PersistentVolumeClaims and StorageClasses.
package fleetguard.cluster.rbac.persistent_volumes

import data.fleetguard.cluster.lib.rbac

violation contains f if some f in rbac.findings({"create-persistentvolumes"})
