# Helpers for the version policies: the API server's release entry and the
# audit time. No violation rule, so not a policy.
package fleetguard.cluster.versions.support

import data.kubernetes.releases

server := input.views.versions.server

key := sprintf("%d.%d", [server.major, server.minor])

release := releases.minors[key]

eol_date := release.endOfLife

eol_ns := time.parse_ns("2006-01-02", eol_date)

approximate := " (approximate date)" if release.approximate

else := ""

# now_ns is the audit time from input.config.now (RFC 3339), so that an audit
# replayed later gives the same verdict.
now_ns := time.parse_rfc3339_ns(input.config.now)

oldest := min({k | some k, _ in releases.minors})

older_than_table if {
	not release
	server.major == 1
	every k, _ in releases.minors {
		server.minor < to_number(split(k, ".")[1])
	}
}
