// Package apitest checks the OpenAPI document of package httpapi with a
// real validator, github.com/getkin/kin-openapi, and checks real answers
// of the handler against the document's schemas. It is a module of its
// own so that the validator stays out of the core module's dependencies;
// it has tests only.
package apitest
