// Command go-sidecar is the gateway.Gateway-to-REST sidecar a Go team would
// write by hand instead of adopting gateway-proxy: grpc-go in front, net/http
// with a keep-alive pool behind, protojson in between and a table from HTTP
// status to gRPC code, without error details. bench/run.sh measures it next
// to gateway-proxy under the same load.
//
//	go-sidecar -listen 127.0.0.1:0 -upstream http://127.0.0.1:8080
//
// Prints "listening on HOST:PORT" on stdout once serving.
package main

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	pb "github.com/gateway-proxy/gateway-proxy/gen/go/gateway"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/fieldmaskpb"
)

const maxResponseBytes = 64 << 20

var (
	marshal   = protojson.MarshalOptions{} // lowerCamel names, set fields only
	unmarshal = protojson.UnmarshalOptions{DiscardUnknown: true}
	buffers   = sync.Pool{New: func() any { return new(bytes.Buffer) }}
)

type server struct {
	pb.UnimplementedGatewayServer
	base   string // scheme://host:port, no trailing slash
	client *http.Client
}

func (s *server) CreateUser(ctx context.Context, r *pb.CreateUserRequest) (*pb.User, error) {
	q := url.Values{}
	if r.UserId != "" {
		q.Set("userId", r.UserId)
	}
	out := &pb.User{}
	return out, s.call(ctx, http.MethodPost, usersPath(r.AccountId), q, writable(r.User), out)
}

func (s *server) GetUser(ctx context.Context, r *pb.GetUserRequest) (*pb.User, error) {
	q := url.Values{}
	setMask(q, "readMask", r.ReadMask)
	out := &pb.User{}
	return out, s.call(ctx, http.MethodGet, usersPath(r.AccountId, r.UserId), q, nil, out)
}

func (s *server) ListUsers(ctx context.Context, r *pb.ListUsersRequest) (*pb.ListUsersResponse, error) {
	q := url.Values{}
	if r.PageSize != 0 {
		q.Set("pageSize", strconv.Itoa(int(r.PageSize)))
	}
	for key, value := range map[string]string{
		"pageToken": r.PageToken, "filter": r.Filter, "orderBy": r.OrderBy} {
		if value != "" {
			q.Set(key, value)
		}
	}
	setMask(q, "readMask", r.ReadMask)
	out := &pb.ListUsersResponse{}
	return out, s.call(ctx, http.MethodGet, usersPath(r.AccountId), q, nil, out)
}

func (s *server) UpdateUser(ctx context.Context, r *pb.UpdateUserRequest) (*pb.User, error) {
	q := url.Values{}
	setMask(q, "updateMask", r.UpdateMask)
	user := writable(r.User)
	if user != nil && user.Name == "" {
		user.Name = "accounts/" + r.AccountId + "/users/" + r.UserId
	}
	out := &pb.User{}
	return out, s.call(ctx, http.MethodPatch, usersPath(r.AccountId, r.UserId), q, user, out)
}

// writable clears the output-only fields of u, which the call owns.
func writable(u *pb.User) *pb.User {
	if u != nil {
		u.CreateTime, u.UpdateTime, u.State, u.Status = nil, nil, 0, nil
	}
	return u
}

// usersPath is /v1/accounts/{account}/users, then /{user} when one is
// given; "" (refused by call) when an id is empty or spans segments.
func usersPath(account string, user ...string) string {
	p := "/v1/accounts/" + url.PathEscape(account) + "/users"
	for _, id := range append(user, account) {
		if id == "" || strings.ContainsRune(id, '/') {
			return ""
		}
	}
	for _, id := range user {
		p += "/" + url.PathEscape(id)
	}
	return p
}

// setMask sends a FieldMask as comma-joined lowerCamel paths.
func setMask(q url.Values, key string, mask *fieldmaskpb.FieldMask) {
	if mask == nil || len(mask.Paths) == 0 {
		return
	}
	paths := make([]string, len(mask.Paths))
	for i, p := range mask.Paths {
		parts := strings.Split(p, "_")
		for j := 1; j < len(parts); j++ {
			if parts[j] != "" {
				parts[j] = strings.ToUpper(parts[j][:1]) + parts[j][1:]
			}
		}
		paths[i] = strings.Join(parts, "")
	}
	q.Set(key, strings.Join(paths, ","))
}

// call sends one REST request and decodes a 2xx answer into out; the gRPC
// deadline and cancellation ride on ctx.
func (s *server) call(ctx context.Context, method, path string, q url.Values,
	body proto.Message, out proto.Message) error {
	if path == "" {
		return status.Error(codes.InvalidArgument, "account_id and user_id must be single non-empty path segments")
	}
	target := s.base + path
	if len(q) > 0 {
		target += "?" + q.Encode()
	}
	var reader io.Reader
	if body != nil {
		b, err := marshal.Marshal(body)
		if err != nil {
			return status.Error(codes.InvalidArgument, err.Error())
		}
		reader = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, target, reader)
	if err != nil {
		return status.Error(codes.Internal, err.Error())
	}
	req.Header.Set("Accept", "application/json")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if md, ok := metadata.FromIncomingContext(ctx); ok {
		if v := md.Get("authorization"); len(v) > 0 {
			req.Header.Set("Authorization", v[0])
		} else if v := md.Get("x-api-key"); len(v) > 0 {
			req.Header.Set("Authorization", "Bearer "+v[0])
		}
	}

	resp, err := s.client.Do(req)
	if err != nil {
		return transportError(err)
	}
	defer resp.Body.Close()
	buf := buffers.Get().(*bytes.Buffer)
	buf.Reset()
	defer func() {
		if buf.Cap() <= 4<<20 { // Keep pooled buffers of ordinary replies only.
			buffers.Put(buf)
		}
	}()
	if _, err := buf.ReadFrom(io.LimitReader(resp.Body, maxResponseBytes+1)); err != nil {
		return transportError(err)
	}
	if buf.Len() > maxResponseBytes {
		return status.Error(codes.Internal, "upstream response too large")
	}
	if resp.StatusCode/100 != 2 {
		return status.Error(codeOf(resp.StatusCode), messageOf(resp.StatusCode, buf.Bytes()))
	}
	if err := unmarshal.Unmarshal(buf.Bytes(), out); err != nil {
		return status.Error(codes.Internal, "upstream reply: "+err.Error())
	}
	return nil
}

// transportError is the status of a request that got no whole response.
func transportError(err error) error {
	switch {
	case errors.Is(err, context.DeadlineExceeded):
		return status.Error(codes.DeadlineExceeded, "deadline exceeded")
	case errors.Is(err, context.Canceled):
		return status.Error(codes.Canceled, "cancelled")
	}
	return status.Error(codes.Unavailable, "upstream unavailable: "+err.Error())
}

func codeOf(httpStatus int) codes.Code {
	switch httpStatus {
	case 400:
		return codes.InvalidArgument
	case 401:
		return codes.Unauthenticated
	case 403:
		return codes.PermissionDenied
	case 404:
		return codes.NotFound
	case 409:
		return codes.Aborted
	case 412:
		return codes.FailedPrecondition
	case 416:
		return codes.OutOfRange
	case 429:
		return codes.ResourceExhausted
	case 499:
		return codes.Canceled
	case 501:
		return codes.Unimplemented
	case 502, 503:
		return codes.Unavailable
	case 504:
		return codes.DeadlineExceeded
	}
	if httpStatus/100 == 4 {
		return codes.FailedPrecondition
	}
	return codes.Internal
}

// messageOf is the body's "message" (grpc-gateway) or "error.message"
// (Google), else the HTTP status.
func messageOf(httpStatus int, body []byte) string {
	var e struct {
		Message string `json:"message"`
		Error   struct {
			Message string `json:"message"`
		} `json:"error"`
	}
	if json.Unmarshal(body, &e) == nil {
		if e.Message != "" {
			return e.Message
		}
		if e.Error.Message != "" {
			return e.Error.Message
		}
	}
	return "upstream HTTP " + strconv.Itoa(httpStatus)
}

func main() {
	listen := flag.String("listen", "127.0.0.1:8081", "gRPC listen address")
	upstream := flag.String("upstream", "http://127.0.0.1:8080", "REST base URL")
	caFile := flag.String("upstream_ca_file", "", "PEM roots for an https upstream")
	flag.Parse()

	transport := &http.Transport{
		MaxIdleConns:        0, // no limit overall
		MaxIdleConnsPerHost: 4096,
		IdleConnTimeout:     90 * time.Second,
		ForceAttemptHTTP2:   true, // h2 over TLS when the upstream offers it
		DialContext:         (&net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
	}
	if *caFile != "" {
		pem, err := os.ReadFile(*caFile)
		if err != nil {
			log.Fatal(err)
		}
		roots := x509.NewCertPool()
		if !roots.AppendCertsFromPEM(pem) {
			log.Fatalf("%s: no certificate", *caFile)
		}
		transport.TLSClientConfig = &tls.Config{RootCAs: roots}
	}

	lis, err := net.Listen("tcp", *listen)
	if err != nil {
		log.Fatal(err)
	}
	srv := grpc.NewServer()
	pb.RegisterGatewayServer(srv, &server{
		base:   strings.TrimSuffix(*upstream, "/"),
		client: &http.Client{Transport: transport},
	})
	fmt.Printf("listening on %s\n", lis.Addr())

	stop := make(chan os.Signal, 1)
	signal.Notify(stop, syscall.SIGTERM, syscall.SIGINT)
	go func() { <-stop; srv.GracefulStop() }()
	if err := srv.Serve(lis); err != nil {
		log.Fatal(err)
	}
}
