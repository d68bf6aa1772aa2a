// Command wsbind works with the generated WebSocket bindings: it validates
// captured traffic against the specs, and more.
//
//	wsbind <command> [flags] [args]
//	wsbind help [command]
//
// Each command lives in its own file as a func(args []string, stdout,
// stderr io.Writer) int that registers itself from an init func; main only
// dispatches, so tests run commands in-process.
package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
	"text/tabwriter"
)

// Exit codes shared by every command.
const (
	exitOK      = 0 // success (validate: every frame valid)
	exitFailure = 1 // the command ran and found a failure (validate: an invalid frame)
	exitUsage   = 2 // usage error, or an input/output error
)

// command is one wsbind subcommand.
type command struct {
	name    string
	summary string // one line for "wsbind help"
	// run executes the command with the arguments after its name. "--help"
	// prints its usage to stdout and returns exitOK.
	run func(args []string, stdout, stderr io.Writer) int
}

var commands = map[string]command{}

// register adds a command; each command's file calls it from init.
func register(c command) {
	if _, dup := commands[c.name]; dup {
		panic("wsbind: command registered twice: " + c.name)
	}
	commands[c.name] = c
}

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// run dispatches args to a command and returns the exit code.
func run(args []string, stdout, stderr io.Writer) (code int) {
	defer func() {
		// Report a bug as one line, never as a stack trace: frames and
		// tokens must not leak through a panic value either, so only its
		// type is shown.
		if r := recover(); r != nil {
			fmt.Fprintf(stderr, "wsbind: internal error (%T); please report it\n", r)
			code = exitUsage
		}
	}()
	if len(args) == 0 {
		usage(stderr)
		return exitUsage
	}
	name, rest := args[0], args[1:]
	switch name {
	case "help", "-h", "-help", "--help":
		if name != "help" || len(rest) == 0 {
			usage(stdout)
			return exitOK
		}
		if len(rest) > 1 {
			fmt.Fprintf(stderr, "wsbind help: name one command, got %d\nRun 'wsbind help help' for usage.\n", len(rest))
			return exitUsage
		}
		if rest[0] == "help" {
			helpUsage(stdout)
			return exitOK
		}
		c, ok := commands[rest[0]]
		if !ok {
			return unknownCommand(stderr, rest[0])
		}
		return c.run([]string{"--help"}, stdout, stderr)
	case "-version", "--version":
		name = "version"
	}
	c, ok := commands[name]
	if !ok {
		return unknownCommand(stderr, name)
	}
	return c.run(rest, stdout, stderr)
}

func unknownCommand(stderr io.Writer, name string) int {
	fmt.Fprintf(stderr, "wsbind: unknown command %q\nRun 'wsbind help' for the list of commands.\n", name)
	return exitUsage
}

func helpUsage(w io.Writer) {
	fmt.Fprint(w, `Usage: wsbind help [COMMAND]

Without COMMAND, list the commands. With one, print its usage: its flags,
examples and exit codes, as 'wsbind COMMAND --help' does.

Exit codes: 0 printed, 2 unknown command.
`)
}

func usage(w io.Writer) {
	fmt.Fprint(w, `wsbind works with the typed WebSocket bindings generated from AsyncAPI specs.

Usage:
  wsbind <command> [flags] [arguments]

Commands:
`)
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	tw := tabwriter.NewWriter(w, 0, 8, 2, ' ', 0)
	for _, n := range names {
		fmt.Fprintf(tw, "  %s\t%s\n", n, commands[n].summary)
	}
	fmt.Fprintf(tw, "  help\t%s\n", "show this help, or a command's: wsbind help <command>")
	tw.Flush()
	fmt.Fprint(w, `
Run 'wsbind help <command>' (or 'wsbind <command> --help') for a command's
flags, examples and exit codes; 'wsbind --version' is 'wsbind version'.

Exit codes: 0 success, 1 the command found a failure (validate: an invalid
frame), 2 usage or input/output error.
`)
}

// parseArgs parses flags and positional arguments in any order: flags may
// follow FILE arguments. Everything after "--" is positional.
func parseArgs(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		rest := fs.Args()
		if n := len(args) - len(rest); n > 0 && args[n-1] == "--" {
			return append(pos, rest...), nil
		}
		if len(rest) == 0 {
			return pos, nil
		}
		pos = append(pos, rest[0])
		args = rest[1:]
	}
}

// usageError reports a usage error of command name and returns exitUsage.
func usageError(stderr io.Writer, name string, err error) int {
	fmt.Fprintf(stderr, "wsbind %s: %s\nRun 'wsbind %s --help' for usage.\n", name, strings.TrimSpace(err.Error()), name)
	return exitUsage
}
