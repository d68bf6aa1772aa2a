// Package specs holds the providers' AsyncAPI documents. Its only Go is the
// go:generate line that turns them into generated/.
package specs

//go:generate go run ../gen/cmd/wsbind-gen -out ../generated -registry github.com/wsbind/wsbind/generated astro.yaml dlive.yaml neuro.yaml octave.yaml
