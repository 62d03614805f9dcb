// brigade-test-sources: native/poll/timer_queue.cc
// TimerQueue tests: FIFO order, re-arm, cross-queue moves, size accounting.
#include <cstdint>
#include <cstdio>
#include <vector>

#include "poll/timer_queue.h"
#include "check.h"

using namespace brigade::poll;

namespace {

// Checks that q holds exactly `expect`, in order: links, back-pointers and
// size all agree (the first entry has no prev, the last no next).
bool consistent(TimerQueue& q, std::vector<TimerEntry*> expect) {
  for (size_t i = 0; i < expect.size(); ++i) {
    TimerEntry* e = expect[i];
    if (e->queue != &q) return false;
    if (e->prev != (i == 0 ? nullptr : expect[i - 1])) return false;
    if (e->next != (i + 1 == expect.size() ? nullptr : expect[i + 1])) return false;
  }
  return q.size() == expect.size() && q.empty() == expect.empty();
}

void test_empty() {
  TimerQueue q(1000);
  CHECK(q.empty());
  CHECK_EQ(q.size(), 0u);
  CHECK_EQ(q.duration(), uint64_t{1000});
  CHECK_EQ(q.next_timeout(5), int64_t{-1});
  CHECK(q.pop_expired(~uint64_t{0}) == nullptr);
  TimerEntry e;
  CHECK(!e.linked());
  q.disarm(&e);  // no-op on an unlinked entry
  TimerQueue::unlink(&e);
  CHECK(q.empty());
}

void test_arm_and_pop_order() {
  TimerQueue q(100);
  TimerEntry a, b, c;
  int oa = 1, ob = 2, oc = 3;
  a.owner = &oa;
  b.owner = &ob;
  c.owner = &oc;
  q.arm(&a, 1000);
  q.arm(&b, 1010);
  q.arm(&c, 1020);
  CHECK(consistent(q, {&a, &b, &c}));
  CHECK_EQ(a.expires_ms, uint64_t{1100});
  CHECK_EQ(c.expires_ms, uint64_t{1120});
  CHECK(a.linked() && b.linked() && c.linked());

  CHECK_EQ(q.next_timeout(1000), int64_t{100});
  CHECK_EQ(q.next_timeout(1099), int64_t{1});
  CHECK_EQ(q.next_timeout(1100), int64_t{0});
  CHECK_EQ(q.next_timeout(5000), int64_t{0});

  CHECK(q.pop_expired(1099) == nullptr);  // not yet
  TimerEntry* e = q.pop_expired(1100);    // expiry is inclusive
  CHECK(e == &a);
  CHECK(e != nullptr && e->owner == &oa);
  CHECK(!a.linked() && a.prev == nullptr && a.next == nullptr);
  CHECK_EQ(q.size(), 2u);
  CHECK(q.pop_expired(1100) == nullptr);
  CHECK_EQ(q.next_timeout(1100), int64_t{10});

  // Everything expired: pops in FIFO order, then nothing.
  CHECK(q.pop_expired(2000) == &b);
  CHECK(q.pop_expired(2000) == &c);
  CHECK(q.pop_expired(2000) == nullptr);
  CHECK(q.empty());
  CHECK_EQ(q.size(), 0u);
  CHECK_EQ(q.next_timeout(2000), int64_t{-1});
}

void test_rearm_moves_to_tail() {
  TimerQueue q(50);
  TimerEntry a, b, c;
  q.arm(&a, 0);
  q.arm(&b, 0);
  q.arm(&c, 0);
  // Activity on a (e.g. bytes received) re-arms it: it moves to the tail
  // with a fresh deadline, size unchanged.
  q.arm(&a, 10);
  CHECK(consistent(q, {&b, &c, &a}));
  CHECK_EQ(a.expires_ms, uint64_t{60});
  CHECK_EQ(q.size(), 3u);
  // Re-arming the tail itself keeps it there.
  q.arm(&a, 20);
  CHECK(consistent(q, {&b, &c, &a}));
  CHECK_EQ(a.expires_ms, uint64_t{70});
  // Re-arming the middle.
  q.arm(&c, 20);
  CHECK(consistent(q, {&b, &a, &c}));
  CHECK(q.pop_expired(55) == &b);
  CHECK(q.pop_expired(55) == nullptr);  // a now expires at 70
  CHECK(q.pop_expired(70) == &a);
  CHECK(q.pop_expired(70) == &c);
  CHECK(q.empty());
}

void test_disarm() {
  TimerQueue q(10);
  TimerEntry a, b, c;
  q.arm(&a, 0);
  q.arm(&b, 0);
  q.arm(&c, 0);
  q.disarm(&b);  // middle
  CHECK(!b.linked());
  CHECK(consistent(q, {&a, &c}));
  q.disarm(&a);  // head
  CHECK(consistent(q, {&c}));
  q.disarm(&a);  // twice: no-op
  CHECK(consistent(q, {&c}));
  q.disarm(&c);  // last one
  CHECK(q.empty());
  CHECK_EQ(q.size(), 0u);
  CHECK_EQ(q.next_timeout(0), int64_t{-1});
  // Reusable after being emptied.
  q.arm(&b, 5);
  CHECK(consistent(q, {&b}));
  q.disarm(&b);
  // Tail removal.
  q.arm(&a, 0);
  q.arm(&b, 0);
  q.disarm(&b);
  CHECK(consistent(q, {&a}));
  q.arm(&c, 0);
  CHECK(consistent(q, {&a, &c}));
}

void test_disarm_ignores_other_queue() {
  TimerQueue q1(10), q2(20);
  TimerEntry a;
  q1.arm(&a, 0);
  q2.disarm(&a);  // not in q2: must not touch q1's links
  CHECK(consistent(q1, {&a}));
  CHECK(q2.empty());
  CHECK_EQ(q2.size(), 0u);
}

void test_move_between_queues() {
  // A connection moves from the header-read queue to keep-alive and back.
  TimerQueue header(100), keepalive(5000);
  TimerEntry a, b, c;
  header.arm(&a, 0);
  header.arm(&b, 0);
  header.arm(&c, 0);
  keepalive.arm(&b, 10);  // arm() unlinks from header first
  CHECK(consistent(header, {&a, &c}));
  CHECK(consistent(keepalive, {&b}));
  CHECK_EQ(b.expires_ms, uint64_t{5010});
  CHECK(b.queue == &keepalive);

  keepalive.arm(&a, 20);
  CHECK(consistent(header, {&c}));
  CHECK(consistent(keepalive, {&b, &a}));

  // Static unlink finds the owning queue itself.
  TimerQueue::unlink(&b);
  CHECK(consistent(keepalive, {&a}));
  CHECK(!b.linked());
  TimerQueue::unlink(&b);  // no-op
  CHECK_EQ(keepalive.size(), 1u);
  CHECK_EQ(header.size(), 1u);

  header.arm(&a, 30);
  CHECK(keepalive.empty());
  CHECK(consistent(header, {&c, &a}));
  CHECK_EQ(header.next_timeout(0), int64_t{100});
  CHECK(header.pop_expired(100) == &c);
  CHECK(header.pop_expired(100) == nullptr);
  CHECK(header.pop_expired(130) == &a);
  CHECK(header.empty());
}

void test_many() {
  // Size accounting over a long mixed sequence, and FIFO order preserved.
  constexpr uint32_t kN = 1000;
  TimerQueue q(30), other(30);
  std::vector<TimerEntry> es(kN);
  for (uint32_t i = 0; i < kN; ++i) {
    es[i].owner = &es[i];
    q.arm(&es[i], static_cast<uint64_t>(i));
  }
  CHECK_EQ(q.size(), kN);
  // Move every third entry to the other queue, disarm every fifth.
  uint32_t moved = 0, removed = 0;
  for (uint32_t i = 0; i < kN; ++i) {
    if (i % 3 == 0) {
      other.arm(&es[i], static_cast<uint64_t>(i));
      ++moved;
    } else if (i % 5 == 0) {
      q.disarm(&es[i]);
      ++removed;
    }
  }
  CHECK_EQ(other.size(), moved);
  CHECK_EQ(q.size(), kN - moved - removed);
  // Pop all: non-decreasing expiry, count matches.
  uint64_t last = 0;
  uint32_t popped = 0;
  bool ordered = true;
  while (TimerEntry* e = q.pop_expired(~uint64_t{0} / 2)) {
    if (e->expires_ms < last) ordered = false;
    last = e->expires_ms;
    if (e->linked()) ordered = false;
    ++popped;
  }
  CHECK(ordered);
  CHECK_EQ(popped, kN - moved - removed);
  CHECK(q.empty());
  CHECK_EQ(q.size(), 0u);
  // Time-bounded popping takes exactly the due prefix.
  uint32_t due = 0;
  while (other.pop_expired(30 + 300)) ++due;  // entries armed at i <= 300, i % 3 == 0
  CHECK_EQ(due, 101u);
  CHECK_EQ(other.size(), moved - 101u);
}

void test_set_duration() {
  TimerQueue q;
  CHECK_EQ(q.duration(), uint64_t{0});
  q.set_duration(250);
  CHECK_EQ(q.duration(), uint64_t{250});
  TimerEntry a;
  q.arm(&a, 1000);
  CHECK_EQ(a.expires_ms, uint64_t{1250});
  // A zero-duration queue expires at once.
  TimerQueue z(0);
  TimerEntry b;
  z.arm(&b, 7);
  CHECK_EQ(z.next_timeout(7), int64_t{0});
  CHECK(z.pop_expired(7) == &b);
}

void test_monotonic() {
  uint64_t t1 = monotonic_ms();
  uint64_t t2 = monotonic_ms();
  CHECK(t1 > 0);
  CHECK(t2 >= t1);
}

}  // namespace

int main() {
  test_empty();
  test_arm_and_pop_order();
  test_rearm_moves_to_tail();
  test_disarm();
  test_disarm_ignores_other_queue();
  test_move_between_queues();
  test_many();
  test_set_duration();
  test_monotonic();
  std::printf("timer_queue_test: %d passed, %d failed\n", brigade::test::passed, brigade::test::failures);
  return brigade::test::failures == 0 ? 0 : 1;
}
