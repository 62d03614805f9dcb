{
  "variables": {
    "brigade_core_sources": [
      "native/poll/epoll_poller.cc",
      "native/poll/kqueue_poller.cc",
      "native/poll/waker.cc",
      "native/poll/timer_queue.cc",
      "native/http/request_parser.cc",
      "native/http/body_decoder.cc",
      "native/http/canned_responses.cc",
      "native/buckets/slab_allocator.cc",
      "native/conn/connection.cc",
      "native/conn/writer.cc",
      "native/bridge/lane.cc",
      "native/mpm/io_loop.cc",
      "native/mpm/event_mpm.cc",
      "native/mpm/looper_mpm.cc",
      "native/mpm/conn_thread.cc",
      "native/mpm/conn_thread_mpm.cc",
      "native/mpm/worker_mpm.cc",
      "native/mpm/leader_mpm.cc",
      "native/static/safe_path.cc",
      "native/static/http_date.cc",
      "native/static/conditional.cc",
      "native/static/accept_encoding.cc",
      "native/static/response_head.cc",
      "native/static/file_cache.cc",
      "native/static/static_mounts.cc"
    ],
    "brigade_addon_sources": [
      "native/binding.cc",
      "native/tls/tls_server.cc",
      "native/tls/tls_transport.cc"
    ]
  }
}
