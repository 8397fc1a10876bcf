// GatewayClient: the Gateway client every example in examples/ implements,
// one scenario with the same output in each language.
//
// It calls gateway-proxy at $GATEWAY_TARGET (default 127.0.0.1:50051) with a
// 10 s deadline per call, `x-request-id: example-N` on the N-th call, and
// `authorization: Bearer $GATEWAY_API_KEY` when that variable is set
// (otherwise the proxy uses its own key). A failed call prints its code,
// message and every google.rpc detail, read with io.grpc.protobuf.StatusProto.
//
// Build and run: ./build.sh && java -jar build/gateway-client.jar

import com.gateway.v1.GatewayGrpc;
import com.gateway.v1.GetUserRequest;
import com.gateway.v1.ListUsersRequest;
import com.gateway.v1.ListUsersResponse;
import com.gateway.v1.UpdateUserRequest;
import com.gateway.v1.User;
import com.google.protobuf.Any;
import com.google.protobuf.Duration;
import com.google.protobuf.FieldMask;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.rpc.BadRequest;
import com.google.rpc.Code;
import com.google.rpc.ErrorInfo;
import com.google.rpc.PreconditionFailure;
import com.google.rpc.RetryInfo;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Metadata;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.StatusProto;
import io.grpc.stub.MetadataUtils;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

public final class GatewayClient {
  private static final long DEADLINE_SECONDS = 10;
  private static final Metadata.Key<String> REQUEST_ID =
      Metadata.Key.of("x-request-id", Metadata.ASCII_STRING_MARSHALLER);
  private static final Metadata.Key<String> AUTHORIZATION =
      Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);

  private final GatewayGrpc.GatewayBlockingStub stub;
  private final String apiKey;
  private int calls = 0;

  private GatewayClient(ManagedChannel channel, String apiKey) {
    this.stub = GatewayGrpc.newBlockingStub(channel);
    this.apiKey = apiKey;
  }

  /** The stub for the next call: its deadline, x-request-id and, with an API key, authorization. */
  private GatewayGrpc.GatewayBlockingStub next() {
    Metadata headers = new Metadata();
    headers.put(REQUEST_ID, "example-" + (++calls));
    if (apiKey != null && !apiKey.isEmpty()) {
      headers.put(AUTHORIZATION, "Bearer " + apiKey);
    }
    return stub.withDeadlineAfter(DEADLINE_SECONDS, TimeUnit.SECONDS)
        .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers));
  }

  /** The code's name and the message, then each google.rpc detail, indented. */
  static String describeError(StatusRuntimeException e) {
    List<String> lines = new ArrayList<>();
    lines.add(Code.forNumber(e.getStatus().getCode().value()) + ": " + e.getStatus().getDescription());
    com.google.rpc.Status status = StatusProto.fromThrowable(e);
    if (status != null) {
      for (Any detail : status.getDetailsList()) {
        for (String line : describeDetail(detail)) {
          lines.add("  " + line);
        }
      }
    }
    return String.join("\n", lines);
  }

  static List<String> describeDetail(Any any) {
    List<String> lines = new ArrayList<>();
    try {
      if (any.is(BadRequest.class)) {
        lines.add("BadRequest:");
        for (BadRequest.FieldViolation v : any.unpack(BadRequest.class).getFieldViolationsList()) {
          lines.add("  field " + v.getField() + ": " + v.getDescription());
        }
      } else if (any.is(ErrorInfo.class)) {
        ErrorInfo d = any.unpack(ErrorInfo.class);
        lines.add("ErrorInfo: reason=" + d.getReason() + " domain=" + d.getDomain());
        for (Map.Entry<String, String> e : new TreeMap<>(d.getMetadataMap()).entrySet()) {
          lines.add("  " + e.getKey() + "=" + e.getValue());
        }
      } else if (any.is(PreconditionFailure.class)) {
        lines.add("PreconditionFailure:");
        for (PreconditionFailure.Violation v : any.unpack(PreconditionFailure.class).getViolationsList()) {
          lines.add("  " + v.getType() + " " + v.getSubject() + ": " + v.getDescription());
        }
      } else if (any.is(RetryInfo.class)) {
        lines.add("RetryInfo: retry after " + seconds(any.unpack(RetryInfo.class).getRetryDelay()));
      } else {
        lines.add(any.getTypeUrl() + " (" + any.getValue().size() + " bytes)");
      }
    } catch (InvalidProtocolBufferException e) {
      lines.add(any.getTypeUrl() + " (does not parse)");
    }
    return lines;
  }

  /** "7s", or "1.5s" with the fraction's trailing zeros dropped. */
  static String seconds(Duration d) {
    if (d.getNanos() == 0) {
      return d.getSeconds() + "s";
    }
    return (d.getSeconds() + String.format(".%09d", d.getNanos())).replaceAll("0+$", "") + "s";
  }

  static String userLine(User u) {
    return "  " + u.getName() + " role=" + u.getRole() + " display_name=" + u.getDisplayName();
  }

  void updateUser(String userId, User user) {
    String label = "UpdateUser acme/" + userId;
    try {
      User got = next().updateUser(UpdateUserRequest.newBuilder()
          .setAccountId("acme").setUserId(userId).setUser(user).build());
      System.out.println(label + ": OK\n" + userLine(got));
    } catch (StatusRuntimeException e) {
      System.out.println(label + ": " + describeError(e));
    }
  }

  void getUser(String userId) {
    String label = "GetUser acme/" + userId;
    try {
      User got = next().getUser(GetUserRequest.newBuilder()
          .setAccountId("acme").setUserId(userId)
          .setReadMask(FieldMask.newBuilder().addPaths("name").addPaths("role").addPaths("display_name"))
          .build());
      System.out.println(label + ": OK\n" + userLine(got));
    } catch (StatusRuntimeException e) {
      System.out.println(label + ": " + describeError(e));
    }
  }

  /** Prints every page, following next_page_token. */
  void listUsers() {
    ListUsersRequest.Builder request = ListUsersRequest.newBuilder().setAccountId("acme").setPageSize(1);
    for (int page = 1; ; page++) {
      String label = "ListUsers acme page " + page;
      ListUsersResponse got;
      try {
        got = next().listUsers(request.build());
      } catch (StatusRuntimeException e) {
        System.out.println(label + ": " + describeError(e));
        return;
      }
      System.out.println(label + ": OK, total_size " + got.getTotalSize());
      for (User u : got.getUsersList()) {
        System.out.println(userLine(u));
      }
      if (got.getNextPageToken().isEmpty()) {
        return;
      }
      request.setPageToken(got.getNextPageToken());
    }
  }

  public static void main(String[] args) throws InterruptedException {
    String target = System.getenv().getOrDefault("GATEWAY_TARGET", "127.0.0.1:50051");
    ManagedChannel channel = ManagedChannelBuilder.forTarget(target).usePlaintext().build();
    try {
      GatewayClient client = new GatewayClient(channel, System.getenv("GATEWAY_API_KEY"));
      client.updateUser("alice", User.newBuilder().setRole("admin").setDisplayName("Alice Liddell").build());
      client.updateUser("alice", User.newBuilder().setDisplayName("Alice").build()); // no role
      client.updateUser("zed", User.newBuilder().setRole("user").build()); // no such user
      client.updateUser("bob", User.newBuilder().setRole("user").setPermissionPreset("viewer").build());
      client.getUser("alice");
      client.listUsers();
    } finally {
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
  }
}
