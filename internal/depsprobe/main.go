package main
import (
 _ "github.com/tsenart/vegeta/v12/lib"
 _ "github.com/redis/go-redis/v9"
 _ "gonum.org/v1/plot"
 _ "github.com/ory/dockertest/v3"
 _ "github.com/urfave/cli/v2"
 _ "github.com/coder/websocket"
 _ "github.com/HdrHistogram/hdrhistogram-go"
 _ "gopkg.in/yaml.v3"
 _ "github.com/schollz/progressbar/v3"
 _ "github.com/chromedp/chromedp"
 _ "github.com/google/go-cmp/cmp"
 _ "github.com/containerd/cgroups/v3"
 _ "golang.org/x/term"
 _ "github.com/santhosh-tekuri/jsonschema/v6"
)
func main(){}
