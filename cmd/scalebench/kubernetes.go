package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/scalebench/scalebench/runner"
	"github.com/scalebench/scalebench/scenarios"
	"github.com/scalebench/scalebench/targets/docker"
	"github.com/scalebench/scalebench/targets/kubernetes"
)

// kubeFlags are the flags of the kubernetes driver and export.
func kubeFlags() []cli.Flag {
	return []cli.Flag{
		&cli.StringFlag{Name: "kubeconfig", EnvVars: []string{"KUBECONFIG"}, Usage: "kubernetes driver: kubeconfig file (default: the usual places)"},
		&cli.StringFlag{Name: "kube-context", Usage: "kubernetes driver: kubeconfig context (default: its current one)"},
		&cli.StringFlag{Name: "kube-namespace", Usage: "kubernetes driver: use this existing namespace (default: a new scalebench-<run id> per run, deleted at the end)"},
	}
}

// kubeOptions are the kubernetes driver's connection settings.
type kubeOptions struct {
	config, context, namespace string
}

func kubeOptionsFrom(c *cli.Context) kubeOptions {
	return kubeOptions{config: c.String("kubeconfig"), context: c.String("kube-context"), namespace: c.String("kube-namespace")}
}

func kubernetesCommand() *cli.Command {
	return &cli.Command{
		Name:  "kubernetes",
		Usage: "Kubernetes manifests of a scenario's targets",
		Subcommands: []*cli.Command{{
			Name:      "export",
			Usage:     "write the Kubernetes manifests (Deployments, Services, nginx ConfigMap) that run a target's architecture",
			ArgsUsage: "[TARGET…]",
			Description: "Writes one YAML file per target (kubectl apply -f FILE), the same objects the kubernetes driver\n" +
				"creates: a Deployment and a headless Service per component, CPU budgets as requests and limits.",
			Flags: append([]cli.Flag{
				&cli.StringFlag{Name: "scenario", Value: "quickstart", Usage: "scenario file or built-in suite holding the targets"},
				&cli.StringFlag{Name: "out", Value: ".", Usage: "write the files into `DIR`"},
				&cli.StringFlag{Name: "namespace", Value: "scalebench", Usage: "namespace of the objects"},
				&cli.IntFlag{Name: "agents", Usage: "also write agents.yaml: `N` generator agents as an Indexed Job (see docs/distributed.md)"},
				&cli.Float64Flag{Name: "agent-cpu", Value: 1, Usage: "CPU request and limit of each agent pod, in cores"},
			}, dockerFlags()...),
			Action: kubernetesExport,
		}},
	}
}

func kubernetesExport(c *cli.Context) error {
	sc, err := scenarios.Load(c.String("scenario"))
	if err != nil {
		return exitError{exitUsage, err}
	}
	chosen, err := chooseTargets(sc, c.Args().Slice())
	if err != nil {
		return usageError{fmt.Errorf("kubernetes export: %w", err)}
	}
	o := kubernetes.ManifestOptions{Namespace: c.String("namespace"), RunID: "export", Images: kubeImages(dockerOptionsFrom(c))}
	if err := os.MkdirAll(c.String("out"), 0o755); err != nil {
		return err
	}
	for _, t := range chosen {
		data, err := kubernetes.Export(runner.Spec(sc, t, ""), o)
		if err != nil {
			return err
		}
		path := filepath.Join(c.String("out"), t.Name+".yaml")
		if err := os.WriteFile(path, data, 0o644); err != nil {
			return err
		}
		fmt.Fprintf(c.App.Writer, "%s: wrote %s; apply it with: kubectl apply -f %s\n", t.Name, path, path)
	}
	return exportAgents(c, o)
}

// exportAgents writes agents.yaml when --agents is given.
func exportAgents(c *cli.Context, o kubernetes.ManifestOptions) error {
	if c.Int("agents") == 0 {
		return nil
	}
	data, err := kubernetes.ExportAgents(o, kubernetes.AgentsOptions{Count: c.Int("agents"), CPU: c.Float64("agent-cpu")})
	if err != nil {
		return usageError{err}
	}
	path := filepath.Join(c.String("out"), "agents.yaml")
	if err := os.WriteFile(path, data, 0o644); err != nil {
		return err
	}
	fmt.Fprintf(c.App.Writer, "agents: wrote %s; create the Secret %s (key token), then kubectl apply -f %s\n", path, kubernetes.AgentTokenSecret, path)
	return nil
}

// kubeImages are the image references for a cluster: the app image must
// be one its nodes can pull (push the locally built one, or load it into
// kind), so a repository without a tag gets :latest.
func kubeImages(o dockerOptions) kubernetes.Images {
	pick := func(v, def string) string {
		if v == "" {
			v = def
		}
		if i := strings.LastIndex(v, ":"); i < strings.LastIndex(v, "/") || i < 0 {
			v += ":latest"
		}
		return v
	}
	return kubernetes.Images{
		App:   pick(o.appImage, docker.DefaultAppImage),
		Nginx: pick(o.nginxImage, docker.DefaultNginxImage),
		Redis: pick(o.redisImage, docker.DefaultRedisImage),
	}
}
