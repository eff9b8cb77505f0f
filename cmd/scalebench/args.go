package main

import (
	"strings"

	"github.com/urfave/cli/v2"
)

// interspersed lets flags follow positional arguments (`scalebench run
// quickstart --quick`), which urfave/cli v2 does not parse: for the
// subcommand named in args it moves every flag, with its value when it takes
// one, in front of the positional arguments. Everything after "--" stays put.
func interspersed(app *cli.App, args []string) []string {
	if len(args) < 3 {
		return args
	}
	cmdIdx, cmd := -1, (*cli.Command)(nil)
	for i := 1; i < len(args); i++ {
		if strings.HasPrefix(args[i], "-") {
			continue
		}
		cmd = findCommand(app, args[i])
		cmdIdx = i
		break
	}
	if cmd == nil {
		return args
	}
	// Descend into a subcommand (`kubernetes export`) named right after.
	for cmdIdx+1 < len(args) {
		sub := findSub(cmd, args[cmdIdx+1])
		if sub == nil {
			break
		}
		cmd, cmdIdx = sub, cmdIdx+1
	}
	takesValue := map[string]bool{}
	for _, f := range cmd.Flags {
		_, isBool := f.(*cli.BoolFlag)
		for _, n := range f.Names() {
			takesValue[n] = !isBool
		}
	}
	var flags, positional []string
	rest := args[cmdIdx+1:]
	for i := 0; i < len(rest); i++ {
		a := rest[i]
		if a == "--" {
			positional = append(positional, rest[i:]...)
			break
		}
		if !strings.HasPrefix(a, "-") || a == "-" {
			positional = append(positional, a)
			continue
		}
		flags = append(flags, a)
		name := strings.TrimLeft(a, "-")
		if !strings.Contains(name, "=") && takesValue[name] && i+1 < len(rest) {
			flags = append(flags, rest[i+1])
			i++
		}
	}
	out := append([]string{}, args[:cmdIdx+1]...)
	out = append(out, flags...)
	return append(out, positional...)
}

func findCommand(app *cli.App, name string) *cli.Command {
	for _, c := range app.Commands {
		if c.HasName(name) {
			return c
		}
	}
	return nil
}

func findSub(cmd *cli.Command, name string) *cli.Command {
	for _, c := range cmd.Subcommands {
		if c.HasName(name) {
			return c
		}
	}
	return nil
}
