// Command server is the Go peer of the benchmark: a plain net/http server doing the seed's workload
// (for every byte of the request path, count the sites with a byte within distance 1 of it).
//
// It answers byte for byte what the Vert.x service answers (see docs/spec.md):
//   - the input is the raw request-target as sent on the wire, up to the first '?', NOT percent-decoded
//     (r.URL.Path would be decoded); for an absolute-form target "http://host/p?q" the input is "/p";
//   - bytes are compared as unsigned integers 0..255 (no int8 wrap-around).
//
// Usage: server [-addr 127.0.0.1] [-port 8080]   (PORT in the environment is the default port)
// GOMAXPROCS limits the cores it uses, as in the seed.
package main

import (
	"flag"
	"log"
	"net/http"
	"os"
	"strconv"
	"strings"
)

// The sites, in the order of the response.
var sites = [4]string{"navytux.spb.ru", "www.nexedi.com", "lab.nexedi.com", "www.erp5.com"}

// isClose reports whether byte ch is within distance 1 of some byte of s (unsigned arithmetic).
func isClose(ch byte, s string) bool {
	for i := 0; i < len(s); i++ {
		d := int(ch) - int(s[i])
		if d >= -1 && d <= 1 {
			return true
		}
	}
	return false
}

// classifier holds the counts of one request, as the seed's XClassifier.
type classifier struct {
	counts [4]int
	total  int
}

func (c *classifier) nextChar(ch byte) {
	for i, s := range sites {
		if isClose(ch, s) {
			c.counts[i]++
		}
	}
	c.total++
}

// rawPath returns the request-target's path as sent: up to the first '?', and for the absolute form
// "scheme://authority/path?query" the part from the first '/' after the authority.
func rawPath(target string) string {
	if !strings.HasPrefix(target, "/") {
		if at := strings.Index(target, "://"); at >= 0 {
			rest := target[at+3:]
			end := strings.IndexAny(rest, "/?")
			if end < 0 || rest[end] == '?' {
				return "/" // no path: the path is "/" (RFC 9110 section 4.2.3)
			}
			target = rest[end:]
		}
	}
	if q := strings.IndexByte(target, '?'); q >= 0 {
		target = target[:q]
	}
	return target
}

func handler(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "Method Not Allowed", http.StatusMethodNotAllowed)
		return
	}
	var c classifier
	path := rawPath(r.RequestURI)
	for i := 0; i < len(path); i++ {
		c.nextChar(path[i])
	}
	body := make([]byte, 0, 96)
	for i, s := range sites {
		body = append(body, s...)
		body = append(body, ":\t"...)
		body = strconv.AppendInt(body, int64(c.counts[i]), 10)
		body = append(body, '\n')
	}
	body = append(body, "total:\t"...)
	body = strconv.AppendInt(body, int64(c.total), 10)
	body = append(body, '\n')
	h := w.Header()
	h["Content-Type"] = []string{"text/plain"}
	h["Content-Length"] = []string{strconv.Itoa(len(body))}
	if r.Method == http.MethodHead {
		return
	}
	w.Write(body)
}

func main() {
	defaultPort := 8080
	if p, err := strconv.Atoi(os.Getenv("PORT")); err == nil {
		defaultPort = p
	}
	addr := flag.String("addr", "127.0.0.1", "address to listen on")
	port := flag.Int("port", defaultPort, "port to listen on (default: $PORT or 8080)")
	flag.Parse()
	listen := *addr + ":" + strconv.Itoa(*port)
	log.Printf("go peer listening on %s", listen)
	log.Fatal(http.ListenAndServe(listen, http.HandlerFunc(handler)))
}
