package docker

import (
	"context"
	"fmt"
	"time"

	"github.com/ory/dockertest/v3"
)

// Connect returns a pool connected to the Docker engine at endpoint (""
// : $DOCKER_HOST, else the local socket), after checking that the engine
// answers.
func Connect(ctx context.Context, endpoint string) (*dockertest.Pool, error) {
	pool, err := dockertest.NewPool(endpoint)
	if err != nil {
		return nil, fmt.Errorf("Docker engine not reachable: %w; start it or use --driver process", err)
	}
	pctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := pool.Client.PingWithContext(pctx); err != nil {
		return nil, fmt.Errorf("Docker engine not reachable at %s: %w; start it (e.g. `service docker start`) or use --driver process", pool.Client.Endpoint(), err)
	}
	return pool, nil
}
