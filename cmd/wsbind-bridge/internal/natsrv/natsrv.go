// Package natsrv runs nats-server in-process with JetStream on file
// storage: one server for the embedded default, or a cluster of several on
// loopback for tests and the demo. Nothing here is home-made: it is
// nats-server's own server package.
package natsrv

import (
	"fmt"
	"net"
	"path/filepath"
	"strconv"
	"time"

	"github.com/nats-io/nats-server/v2/server"
)

// Options of one embedded server.
type Options struct {
	// Name of the server (and of its cluster node).
	Name string
	// Listen is the client address, loopback only ("127.0.0.1:0" picks a
	// port).
	Listen string
	// Dir holds JetStream's files.
	Dir string
	// Cluster, when set, names the cluster; ClusterListen is this node's
	// route address and Routes the others'.
	Cluster       string
	ClusterListen string
	Routes        []string
}

// Start starts a server and waits until it accepts clients.
func Start(o Options) (*server.Server, error) {
	host, port, err := splitLoopback(o.Listen)
	if err != nil {
		return nil, fmt.Errorf("nats.listen: %w", err)
	}
	opts := &server.Options{
		ServerName: o.Name,
		Host:       host,
		Port:       port,
		JetStream:  true,
		StoreDir:   o.Dir,
		NoSigs:     true,
		NoLog:      true,
		// JetStream's own limits keep to the machine; the bridge bounds
		// what it sends.
		JetStreamMaxMemory: 64 << 20,
	}
	if o.Cluster != "" {
		ch, cp, err := splitLoopback(o.ClusterListen)
		if err != nil {
			return nil, fmt.Errorf("cluster listen: %w", err)
		}
		opts.Cluster = server.ClusterOpts{Name: o.Cluster, Host: ch, Port: cp}
		opts.Routes = server.RoutesFromStr(joinRoutes(o.Routes))
	}
	s, err := server.NewServer(opts)
	if err != nil {
		return nil, err
	}
	go s.Start()
	if !s.ReadyForConnections(10 * time.Second) {
		s.Shutdown()
		return nil, fmt.Errorf("nats-server %s did not start within 10s", o.Name)
	}
	return s, nil
}

func joinRoutes(rs []string) string {
	out := ""
	for i, r := range rs {
		if i > 0 {
			out += ","
		}
		out += "nats-route://" + r
	}
	return out
}

func splitLoopback(addr string) (string, int, error) {
	host, p, err := net.SplitHostPort(addr)
	if err != nil {
		return "", 0, err
	}
	if ip := net.ParseIP(host); ip == nil || !ip.IsLoopback() {
		return "", 0, fmt.Errorf("%q: embedded servers listen on loopback only", addr)
	}
	port, err := strconv.Atoi(p)
	if err != nil {
		return "", 0, err
	}
	if port == 0 {
		port = -1 // nats-server: a random port
	}
	return host, port, nil
}

// Cluster is n servers routed to each other on loopback.
type Cluster struct {
	Servers []*server.Server
	opts    []Options
}

// FreePorts returns n free loopback ports.
func FreePorts(n int) ([]int, error) {
	var ls []net.Listener
	defer func() {
		for _, l := range ls {
			l.Close()
		}
	}()
	var out []int
	for range n {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, err
		}
		ls = append(ls, l)
		out = append(out, l.Addr().(*net.TCPAddr).Port)
	}
	return out, nil
}

// StartCluster starts n JetStream servers in one cluster, their files
// under dir, and waits until JetStream has a leader.
func StartCluster(name, dir string, n int) (*Cluster, error) {
	ports, err := FreePorts(2 * n)
	if err != nil {
		return nil, err
	}
	c := &Cluster{}
	var routes []string
	for i := range n {
		routes = append(routes, "127.0.0.1:"+strconv.Itoa(ports[n+i]))
	}
	for i := range n {
		c.opts = append(c.opts, Options{
			Name:          fmt.Sprintf("%s-%d", name, i),
			Listen:        "127.0.0.1:" + strconv.Itoa(ports[i]),
			Dir:           filepath.Join(dir, strconv.Itoa(i)),
			Cluster:       name,
			ClusterListen: routes[i],
			Routes:        routes,
		})
	}
	for i := range n {
		s, err := Start(c.opts[i])
		if err != nil {
			c.Shutdown()
			return nil, err
		}
		c.Servers = append(c.Servers, s)
	}
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		for _, s := range c.Servers {
			if s != nil && s.JetStreamIsLeader() {
				return c, nil
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	c.Shutdown()
	return nil, fmt.Errorf("no JetStream meta leader within 30s")
}

// URLs is the client URL list of the running servers.
func (c *Cluster) URLs() string {
	out := ""
	for _, s := range c.Servers {
		if s == nil {
			continue
		}
		if out != "" {
			out += ","
		}
		out += s.ClientURL()
	}
	return out
}

// Stop shuts node i down (its files stay).
func (c *Cluster) Stop(i int) {
	if s := c.Servers[i]; s != nil {
		s.Shutdown()
		s.WaitForShutdown()
		c.Servers[i] = nil
	}
}

// Restart starts node i again on its address and files.
func (c *Cluster) Restart(i int) error {
	s, err := Start(c.opts[i])
	if err != nil {
		return err
	}
	c.Servers[i] = s
	return nil
}

// Shutdown stops every node.
func (c *Cluster) Shutdown() {
	for i := range c.Servers {
		c.Stop(i)
	}
}
