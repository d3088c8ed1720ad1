// SPDX-License-Identifier: MIT
#pragma once

// Tells ThreadSanitizer about an ordering that only Qt's own locking provides.
// Debian's Qt is not built with TSan, so a hand-off through it (a thread's end
// before QThread::wait() returns) looks like a race in our frames. Without
// TSan these compile to nothing.

#if defined(__SANITIZE_THREAD__)
#define PYNET_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define PYNET_TSAN 1
#endif
#endif

#ifdef PYNET_TSAN
extern "C" void __tsan_acquire(void *address);
extern "C" void __tsan_release(void *address);
#endif

namespace HappensBefore {

// Everything this thread did so far happens before a later receive(address).
inline void publish([[maybe_unused]] void *address)
{
#ifdef PYNET_TSAN
    __tsan_release(address);
#endif
}

// Everything before the matching publish(address) happens before what follows.
inline void receive([[maybe_unused]] void *address)
{
#ifdef PYNET_TSAN
    __tsan_acquire(address);
#endif
}

} // namespace HappensBefore
