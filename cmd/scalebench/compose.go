package main

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	"github.com/urfave/cli/v2"
	"gopkg.in/yaml.v3"

	"github.com/scalebench/scalebench/runner"
	"github.com/scalebench/scalebench/scenarios"
	"github.com/scalebench/scalebench/targets/docker"
)

func composeCommand() *cli.Command {
	return &cli.Command{
		Name:      "compose",
		Usage:     "write a docker-compose.yml (and nginx.conf) that runs a scenario target's architecture",
		ArgsUsage: "[TARGET…]",
		Description: "Exports each named target of the scenario (default: all of them) with its replicas,\n" +
			"CPU and memory limits, nginx configuration, Redis and queue workers. With several targets each goes to DIR/<target>/.\n" +
			"The reference-app image is built locally (needs the Docker engine).",
		Flags: append([]cli.Flag{
			&cli.StringFlag{Name: "scenario", Value: "quickstart", Usage: "scenario file or built-in suite holding the targets"},
			&cli.StringFlag{Name: "out", Value: ".", Usage: "write the files into `DIR`"},
			&cli.IntFlag{Name: "port", Value: 8080, Usage: "host port published on 127.0.0.1"},
		}, dockerFlags()...),
		Action: func(c *cli.Context) error {
			sc, err := scenarios.Load(c.String("scenario"))
			if err != nil {
				return exitError{exitUsage, err}
			}
			chosen, err := chooseTargets(sc, c.Args().Slice())
			if err != nil {
				return usageError{fmt.Errorf("compose: %w", err)}
			}
			opts := docker.ComposeOptions{NginxImage: c.String("nginx-image"), RedisImage: c.String("redis-image"), Port: c.Int("port")}
			if opts.NginxImage == "" {
				opts.NginxImage = docker.DefaultNginxImage
			}
			if opts.RedisImage == "" {
				opts.RedisImage = docker.DefaultRedisImage
			}
			for _, t := range chosen {
				spec := runner.Spec(sc, t, "")
				if opts.AppImage == "" && !slices.Contains([]string{"image", "command", "url"}, spec.Topology) {
					if opts.AppImage, err = composeAppImage(c); err != nil {
						return err
					}
				}
				files, err := docker.Compose(spec, opts)
				if err != nil {
					return err
				}
				dir := c.String("out")
				if len(chosen) > 1 {
					dir = filepath.Join(dir, t.Name)
				}
				if err := writeFiles(dir, files); err != nil {
					return err
				}
				warnMissingImages(c, files["docker-compose.yml"])
				fmt.Fprintf(c.App.Writer, "%s: wrote %s; run it with: docker-compose -f %s -p %s up -d\n",
					t.Name, filepath.Join(dir, "docker-compose.yml"), filepath.Join(dir, "docker-compose.yml"), "scalebench-"+t.Name)
			}
			return nil
		},
	}
}

// chooseTargets returns the scenario targets called names (all when none).
func chooseTargets(sc *scenarios.Scenario, names []string) ([]scenarios.Target, error) {
	if len(names) == 0 {
		return sc.Targets, nil
	}
	var out []scenarios.Target
	var have []string
	for _, t := range sc.Targets {
		have = append(have, t.Name)
	}
	for _, n := range names {
		i := slices.Index(have, n)
		if i < 0 {
			return nil, fmt.Errorf("scenario %s has no target %q (targets: %s)", sc.Name, n, strings.Join(have, ", "))
		}
		out = append(out, sc.Targets[i])
	}
	return out, nil
}

// composeAppImage builds (or finds) the reference-app image.
func composeAppImage(c *cli.Context) (string, error) {
	pool, err := docker.Connect(c.Context, "")
	if err != nil {
		return "", err
	}
	bin, err := docker.StaticBinary(c.Context, "")
	if err != nil {
		return "", err
	}
	repo := c.String("app-image")
	if repo == "" {
		repo = docker.DefaultAppImage
	}
	return docker.AppImage(c.Context, pool, repo, bin)
}

// warnMissingImages says which images of a written compose file the local
// engine does not have (docker-compose would have to pull them), or that
// it could not check.
func warnMissingImages(c *cli.Context, compose []byte) {
	var f struct {
		Services map[string]struct {
			Image string `yaml:"image"`
		} `yaml:"services"`
	}
	if err := yaml.Unmarshal(compose, &f); err != nil {
		return
	}
	pool, err := docker.Connect(c.Context, "")
	if err != nil {
		fmt.Fprintf(c.App.ErrWriter, "warning: could not check that the images exist: %v\n", err)
		return
	}
	seen := map[string]bool{}
	for _, name := range sortedServiceNames(f.Services) {
		img := f.Services[name].Image
		if img == "" || seen[img] || docker.ImagePresent(pool, img) {
			continue
		}
		seen[img] = true
		fmt.Fprintf(c.App.ErrWriter, "warning: image %s (service %s) is not present locally; docker-compose will try to pull it "+
			"(offline: build one with fixtures/images/build.sh and pass --nginx-image / --redis-image)\n", img, name)
	}
}

func sortedServiceNames[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// writeFiles writes files (name → content) into dir.
func writeFiles(dir string, files map[string][]byte) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("compose: %w", err)
	}
	for name, data := range files {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
			return fmt.Errorf("compose: %w", err)
		}
	}
	return nil
}
