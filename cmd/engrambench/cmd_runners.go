package main

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/engrambench/engrambench/runners/local"
)

func cmdRunners(ctx context.Context, e env, args []string) error {
	if len(args) == 0 || args[0] != "detect" {
		return usagef("runners takes a subcommand: detect")
	}
	fs := newFlagSet(e, "runners detect", "runners detect [--host HOST] [--timeout D]")
	host := fs.String("host", "127.0.0.1", "host to probe")
	timeout := fs.Duration("timeout", 2*time.Second, "time each port may take to answer")
	pos, err := parseFlags(fs, args[1:])
	if err != nil {
		return err
	}
	if len(pos) != 0 {
		return usagef("runners detect takes no arguments")
	}
	found := local.Detect(ctx, *host, local.KnownPorts, *timeout)
	if len(found) == 0 {
		var ports []string
		for _, p := range local.KnownPorts {
			ports = append(ports, fmt.Sprintf("%d (%s)", p.Port, p.Engine))
		}
		fmt.Fprintf(e.stdout, "no OpenAI-compatible server answered on %s at %s\n", *host, strings.Join(ports, ", "))
		return nil
	}
	for _, f := range found {
		fmt.Fprintf(e.stdout, "%s  (%s port)\n", f.URL, f.Engine)
		for _, m := range f.Models {
			fmt.Fprintf(e.stdout, "    --runner NAME=openai,url=%s,model=%s\n", f.URL, m)
		}
	}
	return nil
}
