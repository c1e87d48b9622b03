# Helpers to read container image references (registry/name:tag@digest).
package fleetguard.object.lib.images

# pinned_by_digest holds when the reference names the image content by
# digest (name@sha256:...), whatever tag it also carries.
pinned_by_digest(image) if contains(image, "@")

# tag is the reference's tag; undefined when it has none or is pinned by
# digest. A registry port (registry:5000/app) is not a tag.
tag(image) := t if {
	not pinned_by_digest(image)
	parts := split(image, "/")
	last := parts[count(parts) - 1]
	i := indexof(last, ":")
	i >= 0
	t := substring(last, i + 1, -1)
}
