// Package hook lets the packages of this module call functions of the
// root package herald that herald does not export, without an import
// cycle: herald imports hook and sets its variables in an init function,
// which runs before any package that imports herald is initialised; the
// packages that import herald call them.
//
// A variable whose function names herald's types, which this package
// cannot name, is typed any; its comment gives the type, and its callers
// assert it once, when they are initialised. One variable, NewFilter, is
// set by package match for the root.
package hook
