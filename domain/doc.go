// Package domain is ActorGraph's model, free of storage and transport:
// actors and their kinds, relationships and their types, sources,
// workspaces, the caller and its grants (roles and clearances), and the
// rules every write must keep (validate.go). The store, the resolvers,
// the importers and the analysis engine all speak in these types.
package domain
