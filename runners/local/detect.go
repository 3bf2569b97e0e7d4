package local

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"sort"
	"sync"
	"time"
)

// KnownPort is a port where a local OpenAI-compatible server usually listens.
type KnownPort struct {
	Port   int
	Engine string
}

// KnownPorts are the usual local serving ports, as each engine defaults.
var KnownPorts = []KnownPort{
	{11434, "Ollama"},
	{8080, "llama.cpp server"},
	{8000, "vLLM"},
	{30000, "SGLang"},
	{1234, "LM Studio"},
}

// Found is an OpenAI-compatible server that answered /v1/models.
type Found struct {
	URL    string   // base URL with /v1, ready for --runner NAME=openai,url=...
	Engine string   // the engine that usually listens on this port
	Models []string // model ids it serves
}

// Detect asks each port on host for /v1/models, concurrently, and returns
// the servers that answered like an OpenAI-compatible API.
func Detect(ctx context.Context, host string, ports []KnownPort, timeout time.Duration) []Found {
	client := &http.Client{Timeout: timeout}
	var (
		mu  sync.Mutex
		out []Found
		wg  sync.WaitGroup
	)
	for _, kp := range ports {
		wg.Add(1)
		go func() {
			defer wg.Done()
			base := fmt.Sprintf("http://%s:%d/v1", host, kp.Port)
			models, ok := listModels(ctx, client, base)
			if !ok {
				return
			}
			mu.Lock()
			out = append(out, Found{URL: base, Engine: kp.Engine, Models: models})
			mu.Unlock()
		}()
	}
	wg.Wait()
	sort.Slice(out, func(i, j int) bool { return out[i].URL < out[j].URL })
	return out
}

func listModels(ctx context.Context, c *http.Client, base string) ([]string, bool) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+"/models", nil)
	if err != nil {
		return nil, false
	}
	resp, err := c.Do(req)
	if err != nil {
		return nil, false
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, false
	}
	var body struct {
		Object string `json:"object"`
		Data   []struct {
			ID string `json:"id"`
		} `json:"data"`
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, 4<<20)).Decode(&body); err != nil || body.Data == nil {
		return nil, false
	}
	models := make([]string, 0, len(body.Data))
	for _, m := range body.Data {
		models = append(models, m.ID)
	}
	return models, true
}
