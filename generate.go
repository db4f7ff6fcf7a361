package main

// Regenerate graph/ (and new resolver stubs) from schema/ and gqlgen.yml.
//go:generate go tool gqlgen generate
