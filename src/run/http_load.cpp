// One HTTP load with its callbacks; see http_load.hpp.
#include "run/http_load.hpp"

#include <atomic>
#include <chrono>
#include <memory>
#include <thread>

#include "callback/callback_session.hpp"

namespace perfgate::run {

http::LoadResult run_http_load(const PreparedHttp& prepared, const HttpLoadHooks& hooks) {
  http::LoadOptions options = prepared.load;
  std::unique_ptr<callback::CallbackSession> callbacks;
  if (prepared.callback) {
    callbacks = std::make_unique<callback::CallbackSession>(prepared.callback->listener, prepared.callback->timeout,
                                                            options.run_nonce);
    options.observer = callbacks.get();
    options.callback_url = callbacks->url();
    callbacks->start();
  }
  http::LoadRun load(options);
  load.start();
  std::atomic<bool> stop{false};
  bool measuring = false;
  auto poll = [&] {
    if (!measuring && hooks.measured_window_started && !load.snapshot().warming_up) {
      measuring = true;
      hooks.measured_window_started();
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    if (hooks.stop_requested && hooks.stop_requested()) {
      stop = true;
      load.request_stop();
    }
    if (hooks.progress) hooks.progress(load.snapshot());
    if (hooks.each_poll) hooks.each_poll(load);
  };
  while (!load.finished()) poll();
  if (hooks.each_poll) hooks.each_poll(load);
  if (measuring && hooks.measured_window_ended) hooks.measured_window_ended();
  http::LoadResult result = load.wait();
  if (callbacks) {
    // The stragglers: the run ends once every expected callback came, or the timeout passed.
    std::atomic<bool> done{false};
    std::thread watcher([&] {
      while (!done.load() && !stop.load()) {
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
        if (hooks.stop_requested && hooks.stop_requested()) stop = true;
      }
    });
    result.callbacks = callbacks->finish(&stop);
    done = true;
    watcher.join();
    result.interrupted = result.interrupted || stop.load();
  }
  return result;
}

}  // namespace perfgate::run
