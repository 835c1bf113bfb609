package main
import (
 _ "github.com/dgraph-io/badger/v4"
 _ "github.com/spf13/pflag"
 _ "github.com/schollz/progressbar/v3"
 _ "github.com/cespare/xxhash/v2"
)
func main(){}
