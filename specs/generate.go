// Package specs holds the providers' AsyncAPI documents. Its only Go code
// is the generate directive below, which turns every document in this
// folder into a package under generated/.
package specs

//go:generate go run ../gen/cmd/wsbind-gen -out ../generated -registry github.com/wsbind/wsbind/generated .
