// Command sampler measures a server from its process start: when it turns ready, its RSS, then requests/s,
// errors and latency percentiles in fixed bins under a closed-loop keep-alive load that starts at readiness
// (as an ingress sends a pod traffic once it is ready). Used by bench/coldstart.
//
//	sampler -pidfile FILE -public 127.0.0.1:8080 -ready http://127.0.0.1:9090/health/ready -path /helloworld \
//	        -c 40 -load 36s -bin 250ms -out result.json
//
// Time zero is the process start of PID as the kernel recorded it (/proc/PID/stat, 10 ms resolution), so the
// container runtime's own start-up is not counted. Latency is from writing a request to reading the last
// byte of its answer, one request in flight per connection (no pipelining).
package main

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"math/bits"
	"net"
	"net/http"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

// hist is a log-linear latency histogram: 16 sub-buckets per power of two of nanoseconds (<= 6% error).
type hist [64 * 16]uint32

func (h *hist) add(ns int64) {
	if ns < 1 {
		ns = 1
	}
	e := bits.Len64(uint64(ns)) - 1
	var m int
	if e >= 4 {
		m = int(uint64(ns)>>(uint(e)-4)) & 15
	} else {
		m = int(ns)
	}
	h[e*16+m]++
}

func (h *hist) merge(o *hist) {
	for i := range h {
		h[i] += o[i]
	}
}

// quantile returns the upper edge of the bucket holding quantile q, in microseconds.
func (h *hist) quantile(q float64) float64 {
	var total uint64
	for _, c := range h {
		total += uint64(c)
	}
	if total == 0 {
		return 0
	}
	rank := uint64(q*float64(total-1)) + 1
	var seen uint64
	for i, c := range h {
		seen += uint64(c)
		if seen >= rank {
			e, m := i/16, i%16
			var upper float64
			if e >= 4 {
				upper = float64((uint64(16+m+1) << uint(e-4)))
			} else {
				upper = float64(m + 1)
			}
			return upper / 1000
		}
	}
	return 0
}

type bin struct {
	n, errs uint64
	h       hist
}

// worker keeps one connection busy, one request at a time, and records into its own bins.
type worker struct {
	bins []bin
}

func processStart(pid int) (time.Time, error) {
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return time.Time{}, err
	}
	// Fields after the command name (which may hold spaces) start after the last ')'.
	fields := strings.Fields(string(stat[strings.LastIndexByte(string(stat), ')')+2:]))
	ticks, err := strconv.ParseInt(fields[19], 10, 64) // field 22: starttime, in clock ticks since boot
	if err != nil {
		return time.Time{}, err
	}
	// Boot time as now minus /proc/uptime (10 ms resolution). /proc/stat's btime is whole seconds: it put time zero
	// up to a second early.
	uptime, err := os.ReadFile("/proc/uptime")
	now := time.Now()
	if err != nil {
		return time.Time{}, err
	}
	seconds, err := strconv.ParseFloat(strings.Fields(string(uptime))[0], 64)
	if err != nil {
		return time.Time{}, err
	}
	const clkTck = 100 // USER_HZ on Linux
	boot := now.Add(-time.Duration(seconds * float64(time.Second)))
	return boot.Add(time.Duration(ticks) * time.Second / clkTck), nil
}

func rssMiB(pid int) float64 {
	status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return -1
	}
	for _, line := range strings.Split(string(status), "\n") {
		if strings.HasPrefix(line, "VmRSS:") {
			kb, _ := strconv.ParseFloat(strings.Fields(line)[1], 64)
			return kb / 1024
		}
	}
	return -1
}

// cpuUsageFile is the cgroup v1 cpuacct.usage file (the container's CPU time, ns) of process pid.
func cpuUsageFile(pid int) string {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/cgroup", pid))
	if err != nil {
		return ""
	}
	for _, line := range strings.Split(string(data), "\n") {
		parts := strings.SplitN(line, ":", 3)
		if len(parts) == 3 {
			for _, c := range strings.Split(parts[1], ",") {
				if c == "cpuacct" {
					return "/sys/fs/cgroup/cpuacct" + parts[2] + "/cpuacct.usage"
				}
			}
		}
	}
	return ""
}

func cpuUsage(file string) int64 {
	data, err := os.ReadFile(file)
	if err != nil {
		return -1
	}
	v, err := strconv.ParseInt(strings.TrimSpace(string(data)), 10, 64)
	if err != nil {
		return -1
	}
	return v
}

type cpuSample struct {
	at    time.Time
	usage int64
}

// cpuAt interpolates the CPU time used at t from the samples.
func cpuAt(samples []cpuSample, t time.Time) float64 {
	for i := 1; i < len(samples); i++ {
		a, b := samples[i-1], samples[i]
		if !t.After(b.at) {
			f := float64(t.Sub(a.at)) / float64(b.at.Sub(a.at))
			return float64(a.usage) + f*float64(b.usage-a.usage)
		}
	}
	return float64(samples[len(samples)-1].usage)
}

func main() {
	pidFile := flag.String("pidfile", "", "file that will hold the server's process id (host PID namespace); "+
		"the sampler probes readiness at once and reads it afterwards, so it may be written after the start")
	public := flag.String("public", "127.0.0.1:8080", "host:port of the public port")
	readyURL := flag.String("ready", "", "readiness URL (200 = ready); empty: the first 200 on -path")
	path := flag.String("path", "/helloworld", "request path")
	conns := flag.Int("c", 40, "connections")
	load := flag.Duration("load", 36*time.Second, "load duration from readiness")
	binSize := flag.Duration("bin", 250*time.Millisecond, "bin width")
	probeEvery := flag.Duration("probe", 20*time.Millisecond, "readiness probe interval (each probe is a request the "+
		"starting server answers on its CPU: a kubelet probes every few seconds, so keep this well above 5ms)")
	out := flag.String("out", "", "JSON output file (stdout if empty)")
	flag.Parse()

	probe := *readyURL
	if probe == "" {
		probe = "http://" + *public + *path
	}
	client := &http.Client{Timeout: time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
	firstProbe := time.Now()
	var ready time.Time
	for deadline := time.Now().Add(60 * time.Second); time.Now().Before(deadline); time.Sleep(*probeEvery) {
		resp, err := client.Get(probe)
		if err == nil {
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode == 200 {
				ready = time.Now()
				break
			}
		}
	}
	if ready.IsZero() {
		fmt.Fprintln(os.Stderr, "sampler: not ready within 60 s")
		os.Exit(1)
	}
	var pid int
	for deadline := time.Now().Add(30 * time.Second); pid == 0 && time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		data, _ := os.ReadFile(*pidFile)
		pid, _ = strconv.Atoi(strings.TrimSpace(string(data)))
	}
	rssReady := rssMiB(pid)
	usageFile := cpuUsageFile(pid)
	cpuReady := cpuUsage(usageFile)
	samples := []cpuSample{{ready, cpuReady}}
	stopSampling := make(chan struct{})
	sampled := make(chan []cpuSample)
	go func() {
		ticker := time.NewTicker(50 * time.Millisecond)
		defer ticker.Stop()
		for {
			select {
			case now := <-ticker.C:
				samples = append(samples, cpuSample{now, cpuUsage(usageFile)})
			case <-stopSampling:
				samples = append(samples, cpuSample{time.Now(), cpuUsage(usageFile)})
				sampled <- samples
				return
			}
		}
	}()
	t0, err := processStart(pid)
	if err != nil {
		fmt.Fprintln(os.Stderr, "sampler:", err)
		os.Exit(2)
	}

	// The bin grid has a boundary at readiness, so the first second after ready is exactly that (a grid from t0
	// would start it up to a bin before ready, when no load runs yet). origin is within a bin after t0.
	origin := ready.Add(-time.Duration(int(ready.Sub(t0) / *binSize)) * *binSize)
	originMs := int(origin.Sub(t0).Milliseconds())
	end := ready.Add(*load)
	nbins := int(end.Sub(origin) / *binSize) + 1
	request := []byte("GET " + *path + " HTTP/1.1\r\nHost: " + *public + "\r\n\r\n")
	workers := make([]*worker, *conns)
	var wg sync.WaitGroup
	for i := range workers {
		w := &worker{bins: make([]bin, nbins)}
		workers[i] = w
		wg.Add(1)
		go func() {
			defer wg.Done()
			w.run(*public, request, origin, end, *binSize)
		}()
	}
	wg.Wait()
	close(stopSampling)
	samples = <-sampled
	rssLoaded := rssMiB(pid)

	merged := make([]bin, nbins)
	for _, w := range workers {
		for i := range merged {
			merged[i].n += w.bins[i].n
			merged[i].errs += w.bins[i].errs
			merged[i].h.merge(&w.bins[i].h)
		}
	}
	type binOut struct {
		StartMs int     `json:"start_ms"`
		N       uint64  `json:"requests"`
		Errors  uint64  `json:"errors"`
		P50us   float64 `json:"p50_us"`
		P99us   float64 `json:"p99_us"`
	}
	type secOut struct {
		Second int     `json:"second_after_ready"`
		RPS    float64 `json:"rps"`
		CPU    float64 `json:"cpu_seconds"`
		Errors uint64  `json:"errors"`
		P50us  float64 `json:"p50_us"`
		P99us  float64 `json:"p99_us"`
	}
	var bins []binOut
	for i, b := range merged {
		bins = append(bins, binOut{originMs + i*int(*binSize/time.Millisecond), b.n, b.errs, b.h.quantile(0.5), b.h.quantile(0.99)})
	}
	// Seconds after readiness, from the same samples (a bin belongs to the second its start falls in).
	readyBin := int(ready.Sub(origin) / *binSize)
	perSecond := int(time.Second / *binSize)
	var seconds []secOut
	for s := 0; readyBin+(s+1)*perSecond <= nbins; s++ {
		var h hist
		var n, errs uint64
		for i := readyBin + s*perSecond; i < readyBin+(s+1)*perSecond; i++ {
			n += merged[i].n
			errs += merged[i].errs
			h.merge(&merged[i].h)
		}
		from := origin.Add(time.Duration(readyBin+s*perSecond) * *binSize)
		cpu := (cpuAt(samples, from.Add(time.Second)) - cpuAt(samples, from)) / 1e9
		seconds = append(seconds, secOut{s + 1, float64(n), cpu, errs, h.quantile(0.5), h.quantile(0.99)})
	}
	sort.Slice(seconds, func(i, j int) bool { return seconds[i].Second < seconds[j].Second })
	result := map[string]interface{}{
		"ready_ms":       ready.Sub(t0).Milliseconds(),
		"first_probe_ms": firstProbe.Sub(t0).Milliseconds(),
		"rss_ready_mib":  rssReady,
		"cpu_ready_ms":   float64(cpuReady) / 1e6,
		"rss_loaded_mib": rssLoaded,
		"connections":    *conns,
		"path":           *path,
		"bin_ms":         int(*binSize / time.Millisecond),
		"bins":           bins,
		"seconds":        seconds,
	}
	data, _ := json.MarshalIndent(result, "", " ")
	if *out == "" {
		os.Stdout.Write(data)
	} else if err := os.WriteFile(*out, data, 0o644); err != nil {
		fmt.Fprintln(os.Stderr, "sampler:", err)
		os.Exit(2)
	}
}

func (w *worker) run(addr string, request []byte, t0, end time.Time, binSize time.Duration) {
	var conn net.Conn
	var reader *bufio.Reader
	for {
		now := time.Now()
		if !now.Before(end) {
			break
		}
		if conn == nil {
			c, err := net.DialTimeout("tcp", addr, time.Second)
			if err != nil {
				w.at(time.Now(), t0, binSize).errs++
				time.Sleep(10 * time.Millisecond)
				continue
			}
			conn, reader = c, bufio.NewReaderSize(c, 16384)
		}
		conn.SetDeadline(now.Add(5 * time.Second))
		start := time.Now()
		ok := false
		if _, err := conn.Write(request); err == nil {
			ok = readResponse(reader)
		}
		done := time.Now()
		b := w.at(done, t0, binSize)
		if ok {
			b.n++
			b.h.add(done.Sub(start).Nanoseconds())
		} else {
			b.errs++
			conn.Close()
			conn = nil
		}
	}
	if conn != nil {
		conn.Close()
	}
}

func (w *worker) at(t, t0 time.Time, binSize time.Duration) *bin {
	i := int(t.Sub(t0) / binSize)
	if i >= len(w.bins) {
		i = len(w.bins) - 1
	}
	return &w.bins[i]
}

// readResponse reads one HTTP/1.1 answer with a Content-Length body; true for a 200.
func readResponse(r *bufio.Reader) bool {
	status, err := r.ReadSlice('\n')
	if err != nil || len(status) < 12 {
		return false
	}
	ok := string(status[9:12]) == "200"
	length := -1
	for {
		line, err := r.ReadSlice('\n')
		if err != nil {
			return false
		}
		if len(line) <= 2 {
			break
		}
		if len(line) > 15 && strings.EqualFold(string(line[:15]), "content-length:") {
			length, _ = strconv.Atoi(strings.TrimSpace(string(line[15:])))
		}
	}
	if length < 0 {
		return false
	}
	if _, err := r.Discard(length); err != nil {
		return false
	}
	return ok
}
