#include "tools/console_command.hpp"

#include <editline/readline.h>
#include <sys/socket.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <mutex>
#include <thread>

#include "tools/console_client.hpp"

namespace sequent::tools {

namespace {

namespace beast = boost::beast;
namespace net = boost::asio;
namespace ssl = boost::asio::ssl;
namespace websocket = boost::beast::websocket;
using tcp = boost::asio::ip::tcp;
using console::Message;
using console::Request;

constexpr int kExitOk = 0, kExitErrorReply = 1, kExitUsage = 2;

// Ctrl-C while streaming: the handler shuts the socket down (async-signal-safe), so the blocking
// read returns and the client exits 0.
std::atomic<int> g_socket_fd{-1};
std::atomic<bool> g_interrupted{false};

extern "C" void on_sigint(int) {
  g_interrupted.store(true);
  const int fd = g_socket_fd.load();
  if (fd >= 0) ::shutdown(fd, SHUT_RDWR);
}

int fail(const std::string& what) {
  std::fprintf(stderr, "sequent console: %s\n", what.c_str());
  return kExitUsage;
}

void print_line(const std::string& text) {
  std::fwrite(text.data(), 1, text.size(), stdout);
  std::fputc('\n', stdout);
  std::fflush(stdout);
}

std::string close_description(const websocket::close_reason& r) {
  std::string s = "connection closed by the server (close code " + std::to_string(r.code);
  if (!r.reason.empty()) s += ", " + std::string(r.reason.data(), r.reason.size());
  return s + ")";
}

// Reads one text message; false with `error` set on failure or close.
template <class Ws>
bool read_text(Ws& ws, std::string& text, std::string& error) {
  beast::flat_buffer buffer;
  beast::error_code ec;
  ws.read(buffer, ec);
  if (ec) {
    if (ec == websocket::error::closed) {
      error = close_description(ws.reason());
    } else {
      error = "reading from the server: " + ec.message();
    }
    return false;
  }
  text = beast::buffers_to_string(buffer.data());
  return true;
}

template <class Ws>
bool write_text(Ws& ws, const std::string& text, std::string& error) {
  beast::error_code ec;
  ws.text(true);
  ws.write(net::buffer(text), ec);
  if (ec) error = "sending to the server: " + ec.message();
  return !ec;
}

// Sends request and reads until its reply; updates read meanwhile go to `pending`.
template <class Ws>
bool round_trip(Ws& ws, const Request& request, std::string& reply_text, Message& reply,
                std::vector<std::string>& pending, std::string& error) {
  if (!write_text(ws, request.json, error)) return false;
  for (;;) {
    std::string text;
    if (!read_text(ws, text, error)) return false;
    Result<Message> m = console::classify_message(text);
    if (!m) {
      error = m.error().message;
      return false;
    }
    if (m->kind == Message::Kind::kUpdate) {
      pending.push_back(std::move(text));
      continue;
    }
    if (m->kind == Message::Kind::kReply && (m->id == request.id || m->id.empty())) {
      reply_text = std::move(text);
      reply = std::move(*m);
      return true;
    }
  }
}

std::string auth_json(const std::string& token, std::int64_t id) {
  return "{\"op\":\"auth\",\"id\":" + std::to_string(id) + ",\"token\":" + console::json_quote(token) + "}";
}

template <class Ws>
void close_quietly(Ws& ws) {
  beast::error_code ec;
  ws.close(websocket::close_code::normal, ec);
}

template <class Ws>
int run_one_shot(Ws& ws, const Request& request, const std::string& token, const ConsoleOptions& options) {
  std::vector<std::string> pending;
  std::string reply_text, error;
  Message reply;
  Request auth{auth_json(token, 1), "1", "auth"};
  if (!round_trip(ws, auth, reply_text, reply, pending, error)) return fail("auth: " + error);
  if (!reply.ok) {
    std::fprintf(stderr, "sequent console: auth: %s: %s\n", reply.error_code.c_str(), reply.error_message.c_str());
    close_quietly(ws);
    return kExitErrorReply;
  }
  if (!round_trip(ws, request, reply_text, reply, pending, error)) return fail(request.op + ": " + error);
  print_line(reply_text);
  if (!reply.ok) {
    std::fprintf(stderr, "sequent console: %s: %s\n", reply.error_code.c_str(), reply.error_message.c_str());
    close_quietly(ws);
    return kExitErrorReply;
  }
  if (request.op != "subscribe") {
    close_quietly(ws);
    return kExitOk;
  }
  std::uint64_t printed = 0;
  const std::uint64_t limit = options.count.value_or(0);
  auto done = [&] { return limit != 0 && printed >= limit; };
  for (std::string& text : pending) {
    if (done()) break;
    print_line(text);
    ++printed;
  }
  while (!done()) {
    std::string text;
    if (!read_text(ws, text, error)) {
      if (g_interrupted.load()) return kExitOk;
      return fail(error);
    }
    Result<Message> m = console::classify_message(text);
    if (m && m->kind == Message::Kind::kUpdate) {
      print_line(text);
      ++printed;
    }
  }
  close_quietly(ws);
  return kExitOk;
}

// ---- REPL --------------------------------------------------------------------------------------

std::mutex g_out_mutex;

void print_locked(const std::string& text, FILE* to = stdout) {
  std::lock_guard lock(g_out_mutex);
  std::fwrite(text.data(), 1, text.size(), to);
  std::fputc('\n', to);
  std::fflush(to);
}

char* completion_generator(const char* text, int state) {
  static std::vector<std::string> matches;
  static std::size_t next = 0;
  if (state == 0) {
    const int start = static_cast<int>(rl_point) - static_cast<int>(std::strlen(text));
    const std::string_view before(rl_line_buffer, static_cast<std::size_t>(start > 0 ? start : 0));
    matches = console::completions(before, text);
    next = 0;
  }
  if (next >= matches.size()) return nullptr;
  return strdup(matches[next++].c_str());  // readline frees it
}

char** attempted_completion(const char* text, int start, int /*end*/) {
  rl_attempted_completion_over = 1;  // no file-name completion
  // `limit=` completes without a trailing space, so Tab can go on to the limit's name.
  const std::vector<std::string> all =
      console::completions(std::string_view(rl_line_buffer, static_cast<std::size_t>(start > 0 ? start : 0)), text);
  const bool keys = !all.empty() && std::all_of(all.begin(), all.end(), [](const std::string& c) { return c.back() == '='; });
  rl_completion_append_character = keys ? '\0' : ' ';
  return rl_completion_matches(text, completion_generator);
}

void print_help() {
  std::string ops;
  for (const console::OpSpec& op : console::op_specs()) {
    ops += "  " + std::string(op.name);
    for (std::string_view k : op.keys) {
      if (k == "channels" || k == "channel") continue;
      ops += " " + std::string(k) + "=...";
    }
    if (op.positionals == 1) ops += " CHANNEL";
    if (op.positionals == -1) ops += " CHANNEL...";
    ops += "\n";
  }
  std::string channels;
  for (std::string_view c : console::channel_names()) channels += " " + std::string(c);
  print_locked("Commands: OP [key=value ...] [channels], or a raw JSON object; quit (or Ctrl-D) to leave.\n" + ops +
               "Channels:" + channels + "\nTab completes ops, keys, channels, limit= and param= names.");
}

// After the handshake the stream belongs to one I/O thread: an async read loop printing whatever
// arrives, and a write queue the prompt thread posts to. No two threads ever touch the stream.
template <class Ws>
class ReplSession {
 public:
  ReplSession(net::io_context& ioc, Ws& ws) : ioc_(ioc), ws_(ws), timer_(ioc) {}

  void start() {
    thread_ = std::thread([this] {
      read_next();
      ioc_.run();
      closed_.store(true);
    });
  }
  void send(std::string text, std::string id) {
    net::post(ioc_, [this, t = std::move(text), i = std::move(id)]() mutable {
      if (closing_) return;
      outstanding_.push_back(std::move(i));
      queue_.push_back(std::move(t));
      if (queue_.size() == 1) write_next();
    });
  }
  // Waits (at most 5 s) for the replies still due, so piped input gets all its answers, then
  // closes the connection and joins the I/O thread.
  void stop() {
    net::post(ioc_, [this] {
      stopping_ = true;
      timer_.expires_after(std::chrono::seconds(5));
      timer_.async_wait([this](beast::error_code ec) {
        if (!ec) close_now();
      });
      maybe_close();
    });
    thread_.join();
  }
  bool closed() const { return closed_.load(); }

 private:
  void maybe_close() {
    if (stopping_ && outstanding_.empty() && queue_.empty()) close_now();
  }
  void close_now() {
    if (closing_ || read_done_) return;
    closing_ = true;
    ws_.async_close(websocket::close_code::normal, [this](beast::error_code) { timer_.cancel(); });
  }
  void read_next() {
    ws_.async_read(buffer_, [this](beast::error_code ec, std::size_t) {
      if (ec) {
        if (!closing_) {
          print_locked(ec == websocket::error::closed ? close_description(ws_.reason())
                                                      : "connection lost: " + ec.message(),
                       stderr);
          if (!stopping_) print_locked("(press Enter or Ctrl-D to leave)", stderr);
        }
        read_done_ = true;
        closed_.store(true);
        timer_.cancel();
        return;
      }
      std::string text = beast::buffers_to_string(buffer_.data());
      buffer_.consume(buffer_.size());
      print_locked(text);
      if (Result<Message> m = console::classify_message(text); m && m->kind == Message::Kind::kReply) {
        auto it = std::find(outstanding_.begin(), outstanding_.end(), m->id);
        if (it == outstanding_.end() && m->id.empty() && !outstanding_.empty()) it = outstanding_.begin();
        if (it != outstanding_.end()) outstanding_.erase(it);
        maybe_close();
      }
      read_next();
    });
  }
  void write_next() {
    ws_.text(true);
    ws_.async_write(net::buffer(queue_.front()), [this](beast::error_code ec, std::size_t) {
      if (ec) {
        if (!closing_) print_locked("sending: " + ec.message(), stderr);
        queue_.clear();
        outstanding_.clear();
        return;
      }
      queue_.pop_front();
      if (!queue_.empty()) {
        write_next();
      } else {
        maybe_close();
      }
    });
  }

  net::io_context& ioc_;
  Ws& ws_;
  net::steady_timer timer_;
  beast::flat_buffer buffer_;
  std::deque<std::string> queue_;
  std::vector<std::string> outstanding_;  // ids of requests sent and not answered yet
  bool stopping_ = false, closing_ = false, read_done_ = false;
  std::atomic<bool> closed_{false};
  std::thread thread_;
};

std::string history_path() {
  const char* home = std::getenv("HOME");
  return home != nullptr && *home != '\0' ? std::string(home) + "/.sequent_console_history" : std::string();
}

template <class Ws>
int run_repl(net::io_context& ioc, Ws& ws, const std::optional<std::string>& token, const std::string& url) {
  std::int64_t next_id = 1;
  if (token) {
    std::vector<std::string> pending;
    std::string reply_text, error;
    Message reply;
    Request auth{auth_json(*token, next_id), std::to_string(next_id), "auth"};
    ++next_id;
    if (!round_trip(ws, auth, reply_text, reply, pending, error)) return fail("auth: " + error);
    if (!reply.ok) {
      std::fprintf(stderr, "sequent console: auth: %s: %s\n", reply.error_code.c_str(), reply.error_message.c_str());
      close_quietly(ws);
      return kExitErrorReply;
    }
    std::fprintf(stderr, "connected to %s: %s\n", url.c_str(), reply_text.c_str());
  } else {
    std::fprintf(stderr, "connected to %s, not authenticated: type auth token=... (or set SEQUENT_CONSOLE_TOKEN)\n",
                 url.c_str());
  }
  std::fprintf(stderr, "type help for the commands, Tab to complete, Ctrl-D to leave\n");

  rl_readline_name = "sequent-console";
  static char word_breaks[] = " \t";
  rl_completer_word_break_characters = word_breaks;
  rl_basic_word_break_characters = word_breaks;  // the one libedit's completion reads
  rl_attempted_completion_function = attempted_completion;
  using_history();
  stifle_history(1000);
  const std::string history = history_path();
  if (!history.empty()) read_history(history.c_str());

  ReplSession<Ws> session(ioc, ws);
  session.start();
  int status = kExitOk;
  for (;;) {
    char* raw = readline("console> ");
    if (raw == nullptr) break;  // Ctrl-D
    std::string line(raw);
    std::free(raw);
    if (session.closed()) {
      status = kExitUsage;
      break;
    }
    const std::size_t first = line.find_first_not_of(" \t");
    if (first == std::string::npos) continue;
    // A token never goes to the history file.
    if (line.find("token") == std::string::npos) add_history(line.c_str());
    const std::string word = line.substr(first, line.find_first_of(" \t", first) - first);
    if (word == "quit" || word == "exit") break;
    if (word == "help" || word == "?") {
      print_help();
      continue;
    }
    Result<Request> request = console::parse_command_line(line, next_id);
    if (!request) {
      print_locked(request.error().message, stderr);
      continue;
    }
    ++next_id;
    session.send(request->json, request->id);
  }
  if (!history.empty()) write_history(history.c_str());
  session.stop();
  return status;
}

template <class Ws>
int handshake_and_run(net::io_context& ioc, Ws& ws, const console::Endpoint& ep, const ConsoleOptions& options,
                      const std::optional<Request>& request, const std::optional<std::string>& token) {
  ws.set_option(websocket::stream_base::decorator(
      [](websocket::request_type& req) { req.set(beast::http::field::user_agent, "sequent-console"); }));
  websocket::response_type response;
  beast::error_code ec;
  const std::string host = ep.host.find(':') != std::string::npos ? "[" + ep.host + "]:" + ep.port : ep.host + ":" + ep.port;
  ws.handshake(response, host, ep.target, ec);
  if (ec) {
    std::string what = "WebSocket handshake with " + options.url + " failed: " + ec.message();
    if (response.result_int() != 0 && response.result_int() != 101)
      what += " (HTTP " + std::to_string(response.result_int()) + " " + std::string(response.reason()) + ")";
    return fail(what);
  }
  g_socket_fd.store(static_cast<int>(beast::get_lowest_layer(ws).socket().native_handle()));
  if (request) return run_one_shot(ws, *request, *token, options);
  return run_repl(ioc, ws, token, options.url);
}

}  // namespace

int run_console(const ConsoleOptions& options) {
  Result<console::Endpoint> ep = console::parse_endpoint(options.url);
  if (!ep) return fail(ep.error().message);
  std::optional<std::string> token = options.token;
  if (!token) {
    if (const char* env = std::getenv("SEQUENT_CONSOLE_TOKEN"); env != nullptr && *env != '\0') token = env;
  }
  std::optional<Request> request;
  if (!options.command.empty()) {
    Result<Request> r = options.command.size() == 1 && options.command[0].find_first_not_of(" \t") != std::string::npos &&
                                options.command[0][options.command[0].find_first_not_of(" \t")] == '{'
                            ? console::build_raw_request(options.command[0], 2)
                            : console::build_request(options.command, 2);
    if (!r) return fail(r.error().message);
    if (r->id == "1") return fail("id 1 is the client's auth request; give the command another id");
    request = std::move(*r);
    if (!token) return fail("no token: pass --token TOKEN or set SEQUENT_CONSOLE_TOKEN (safer: not shown in ps)");
  }

  net::io_context ioc;
  tcp::resolver resolver(ioc);
  beast::error_code ec;
  const auto endpoints = resolver.resolve(ep->host, ep->port, ec);
  if (ec) return fail("cannot resolve " + ep->host + ": " + ec.message());

  struct sigaction sa {};
  sa.sa_handler = on_sigint;
  sigemptyset(&sa.sa_mask);
  if (request && request->op == "subscribe") sigaction(SIGINT, &sa, nullptr);

  if (!ep->tls) {
    websocket::stream<beast::tcp_stream> ws(ioc);
    net::connect(beast::get_lowest_layer(ws).socket(), endpoints, ec);
    if (ec) return fail("cannot connect to " + ep->host + ":" + ep->port + ": " + ec.message());
    return handshake_and_run(ioc, ws, *ep, options, request, token);
  }

  ssl::context ctx(ssl::context::tls_client);
  if (options.insecure) {
    ctx.set_verify_mode(ssl::verify_none);
  } else {
    ctx.set_default_verify_paths(ec);
    if (ec) return fail("loading the system's CA certificates: " + ec.message());
    ctx.set_verify_mode(ssl::verify_peer);
  }
  websocket::stream<beast::ssl_stream<beast::tcp_stream>> ws(ioc, ctx);
  if (!options.insecure) ws.next_layer().set_verify_callback(ssl::host_name_verification(ep->host));
  // SNI (SSL_set_tlsext_host_name, spelled out: the macro has an old-style cast).
  if (SSL_ctrl(ws.next_layer().native_handle(), SSL_CTRL_SET_TLSEXT_HOSTNAME, TLSEXT_NAMETYPE_host_name,
               const_cast<char*>(ep->host.c_str())) != 1)
    return fail("TLS: cannot set the server name " + ep->host);
  net::connect(beast::get_lowest_layer(ws).socket(), endpoints, ec);
  if (ec) return fail("cannot connect to " + ep->host + ":" + ep->port + ": " + ec.message());
  ws.next_layer().handshake(ssl::stream_base::client, ec);
  if (ec)
    return fail("TLS handshake with " + ep->host + ":" + ep->port + " failed: " + ec.message() +
                (options.insecure ? "" : " (--insecure skips certificate verification)"));
  return handshake_and_run(ioc, ws, *ep, options, request, token);
}

}  // namespace sequent::tools
