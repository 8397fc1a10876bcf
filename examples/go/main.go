// Command gatewayclient is the Gateway client every example in examples/
// implements: one scenario, the same output in each language.
//
//	go generate    # stubs into ./gateway, Debian's Go packages into ./vendor
//	GATEWAY_TARGET=127.0.0.1:50051 go run .
//
// It calls gateway-proxy at $GATEWAY_TARGET (default 127.0.0.1:50051) with a
// 10 s deadline per call, `x-request-id: example-N` on the N-th call, and
// `authorization: Bearer $GATEWAY_API_KEY` when that variable is set
// (otherwise the proxy uses its own key). A failed call prints its code,
// message and every google.rpc detail, read with status.FromError(err).Details().
package main

//go:generate ./generate.sh

import (
	"context"
	"fmt"
	"os"
	"sort"
	"strings"
	"time"

	"google.golang.org/genproto/googleapis/rpc/code"
	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/anypb"
	"google.golang.org/protobuf/types/known/fieldmaskpb"

	gatewaypb "gatewayclient/gateway"
)

const deadline = 10 * time.Second

// caller makes calls with the deadline and metadata every call carries.
type caller struct {
	client gatewaypb.GatewayClient
	apiKey string
	calls  int
}

// context returns a context for the next call: its deadline, x-request-id
// and, with an API key, authorization.
func (c *caller) context() (context.Context, context.CancelFunc) {
	c.calls++
	ctx, cancel := context.WithTimeout(context.Background(), deadline)
	md := []string{"x-request-id", fmt.Sprintf("example-%d", c.calls)}
	if c.apiKey != "" {
		md = append(md, "authorization", "Bearer "+c.apiKey)
	}
	return metadata.AppendToOutgoingContext(ctx, md...), cancel
}

// describeError is the error's code name and message, then each
// google.rpc detail, indented.
func describeError(err error) string {
	st, _ := status.FromError(err)
	lines := []string{fmt.Sprintf("%s: %s", code.Code(st.Code()), st.Message())}
	raw := st.Proto().GetDetails()
	for i, detail := range st.Details() {
		for _, line := range describeDetail(detail, raw[i]) {
			lines = append(lines, "  "+line)
		}
	}
	return strings.Join(lines, "\n")
}

// describeDetail gives the lines of one detail: decoded, or for a type this
// client does not know (Details() holds an error for it) its type URL and size.
func describeDetail(detail interface{}, raw *anypb.Any) []string {
	switch d := detail.(type) {
	case *errdetails.BadRequest:
		lines := []string{"BadRequest:"}
		for _, v := range d.GetFieldViolations() {
			lines = append(lines, fmt.Sprintf("  field %s: %s", v.GetField(), v.GetDescription()))
		}
		return lines
	case *errdetails.ErrorInfo:
		lines := []string{fmt.Sprintf("ErrorInfo: reason=%s domain=%s", d.GetReason(), d.GetDomain())}
		keys := make([]string, 0, len(d.GetMetadata()))
		for k := range d.GetMetadata() {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			lines = append(lines, fmt.Sprintf("  %s=%s", k, d.GetMetadata()[k]))
		}
		return lines
	case *errdetails.PreconditionFailure:
		lines := []string{"PreconditionFailure:"}
		for _, v := range d.GetViolations() {
			lines = append(lines, fmt.Sprintf("  %s %s: %s", v.GetType(), v.GetSubject(), v.GetDescription()))
		}
		return lines
	case *errdetails.RetryInfo:
		delay := d.GetRetryDelay()
		return []string{"RetryInfo: retry after " + seconds(delay.GetSeconds(), delay.GetNanos())}
	default:
		return []string{fmt.Sprintf("%s (%d bytes)", raw.GetTypeUrl(), len(raw.GetValue()))}
	}
}

// seconds formats a duration as "7s" or "1.5s".
func seconds(s int64, nanos int32) string {
	if nanos == 0 {
		return fmt.Sprintf("%ds", s)
	}
	return strings.TrimRight(fmt.Sprintf("%d.%09d", s, nanos), "0") + "s"
}

func userLine(u *gatewaypb.User) string {
	return fmt.Sprintf("  %s role=%s display_name=%s", u.GetName(), u.GetRole(), u.GetDisplayName())
}

func (c *caller) updateUser(userID string, user *gatewaypb.User) {
	ctx, cancel := c.context()
	defer cancel()
	label := "UpdateUser acme/" + userID
	got, err := c.client.UpdateUser(ctx, &gatewaypb.UpdateUserRequest{
		AccountId: "acme", UserId: userID, User: user})
	if err != nil {
		fmt.Printf("%s: %s\n", label, describeError(err))
		return
	}
	fmt.Printf("%s: OK\n%s\n", label, userLine(got))
}

func (c *caller) getUser(userID string) {
	ctx, cancel := c.context()
	defer cancel()
	label := "GetUser acme/" + userID
	got, err := c.client.GetUser(ctx, &gatewaypb.GetUserRequest{
		AccountId: "acme", UserId: userID,
		ReadMask: &fieldmaskpb.FieldMask{Paths: []string{"name", "role", "display_name"}}})
	if err != nil {
		fmt.Printf("%s: %s\n", label, describeError(err))
		return
	}
	fmt.Printf("%s: OK\n%s\n", label, userLine(got))
}

// listUsers prints every page, following next_page_token.
func (c *caller) listUsers() {
	request := &gatewaypb.ListUsersRequest{AccountId: "acme", PageSize: 1}
	for page := 1; ; page++ {
		label := fmt.Sprintf("ListUsers acme page %d", page)
		ctx, cancel := c.context()
		got, err := c.client.ListUsers(ctx, request)
		cancel()
		if err != nil {
			fmt.Printf("%s: %s\n", label, describeError(err))
			return
		}
		fmt.Printf("%s: OK, total_size %d\n", label, got.GetTotalSize())
		for _, u := range got.GetUsers() {
			fmt.Println(userLine(u))
		}
		if got.GetNextPageToken() == "" {
			return
		}
		request.PageToken = got.GetNextPageToken()
	}
}

func main() {
	target := os.Getenv("GATEWAY_TARGET")
	if target == "" {
		target = "127.0.0.1:50051"
	}
	conn, err := grpc.Dial(target, grpc.WithInsecure())
	if err != nil {
		fmt.Fprintf(os.Stderr, "gatewayclient: %v\n", err)
		os.Exit(1)
	}
	defer conn.Close()
	c := &caller{client: gatewaypb.NewGatewayClient(conn), apiKey: os.Getenv("GATEWAY_API_KEY")}
	s := func(v string) *string { return &v }
	c.updateUser("alice", &gatewaypb.User{Role: s("admin"), DisplayName: s("Alice Liddell")})
	c.updateUser("alice", &gatewaypb.User{DisplayName: s("Alice")}) // no role
	c.updateUser("zed", &gatewaypb.User{Role: s("user")})           // no such user
	c.updateUser("bob", &gatewaypb.User{Role: s("user"), PermissionPreset: s("viewer")})
	c.getUser("alice")
	c.listUsers()
}
