// Package reference is an independent reference interpreter for mcheck
// models: a plain breadth-first model checker, written to be obviously
// right rather than fast, that the optimised explorer (package statespace)
// is differential-tested against. It imports only the standard library,
// model and model/syntax.
//
// # Machine
//
// Each thread is a CEK machine walking the AST: control (an expression to
// evaluate in an environment, a value to return, or a visible point it is
// stopped at), a continuation stack of plain frames, its heap version (0,
// or 1 once it applied the update) and the function whose body it runs
// with that body's heap version. Environments are trimmed to the free
// variables of what is left to evaluate. A call in tail position does not
// grow the stack. Evaluation is call-by-value, left to right; && and ||
// short-circuit. A configuration is the threads, the session instances
// (per role: holder, protocol version of the current and of the next run,
// monitor state in the projected model.LocalType, completed runs, whether
// the run has started, reached end, or is no longer tracked), one FIFO per
// (instance, from, to) (docs/language.md §6, exact), and the update's state. The
// visited set is a map keyed by a textual serialisation; BFS keeps parent
// links for the trace.
//
// # Transitions (one visible step each; local evaluation is merged in)
//
// After every visible step each thread that took part runs locally to its
// next visible point; the initial configuration runs every main so. Visible
// steps: send/select (a multicast is one send, enabled while fewer than
// QueueBound messages are queued; it queues one copy per receiver);
// receive/case (enabled when the first message of its (instance, from, to)
// is queued, or at once when the attempt is itself a fidelity (a) fault);
// one step per choose option; session start (a request with one distinct
// thread waiting at accept per other role it names, one step per
// combination, fresh instance); update introduction; pass/apply/block at
// an update point; barrier release.
//
// A thread whose local evaluation cycles (its local state repeats) spins:
// it is kept in the least-serialised state of the cycle, is always enabled
// with a step that changes nothing (it counts towards step:K), and is
// resumed when the update is introduced (it may now stop at an update
// point). It is not an error (docs/language.md §5). More than 100000 local steps
// without a repeated state, or a stack of 2000 frames, is a runtime error.
//
// # The update (docs/language.md §3, §4)
//
// Options.Update "" checks the model's first update (none if it has none).
// A service is moved only if the update gives it a protocol with other
// roles or other local-type monitors (protocols compared by content, not by
// name). Introduction: with UpdateAt any, enabled whenever some thread is
// running and it has not happened; step:K makes it the only step once K
// transitions were taken (if some thread is running); never: never.
// Participants, fixed at the introduction: running threads the update gives
// new bodies, that hold (opened) an endpoint of a moved service whose role
// is still tracked and not at end, or whose remaining code (the expression
// it stands at, its continuation frames and every body they may call, in
// either version) may still request/accept on a moved service (mayDo). For stop-the-world and max+1 each live
// instance of a moved service gets n = max(completed runs of all its
// tracked roles, roles at end included) + 1; later instances get none.
//
// Update points: if the thread's old code (main and old bodies) contains
// `update`, only those; otherwise every call (tail calls and calls in main
// included). A thread stops at one (making it a visible step) while the
// update is not introduced (unless UpdateAt is never), or once it is, if
// the thread is a participant that has not applied and its strategy does
// more than pass. Steps at a stopping point: uncoordinated pass or apply;
// max+1 apply iff the thread has completed run n on every tracked, not
// ended endpoint it holds of an instance with an n, else pass; stop-the-
// world block iff that condition holds, else pass. Barrier release (one
// step) is enabled when some participant waits and every participant that
// has not applied waits or has stopped; the running ones apply (a stopped
// thread has nothing left to update), the waiting ones go on past their
// point. Applying: heap version 1 (a call looks the body
// up when it is made: a running body keeps running); the thread's
// endpoints of moved services get the new protocol for their next run, at
// once if the current run has had no action. An endpoint starts under the
// protocol version of its opener's heap (old code before applying, new
// after, main included). Bodies of heap version 1 are new code even when
// the update did not change them; main is always version-0 code (it is not
// looked up in a heap). Runs: a role's run ends when its monitor takes an
// EndsRun transition (back through the top-level recursion variable, or
// into end).
//
// # Properties (docs/language.md §5) and rules
//
//   - "fidelity (a)": the acting code's protocol version (code heap version
//     mapped through the service's move) differs from the version of the
//     endpoint's current run, or the local type does not allow the action
//     (kind, peers, value type of a send, label of a select), or the role
//     does not exist in that protocol version (at session start, or after a
//     migration to a protocol without it).
//   - "fidelity (b)": a receive gets a label or a value of another type, a
//     case gets a value or a label its local type does not offer. A
//     receive that gets a label returns (); a case that gets a value also
//     crashes the thread (runtime).
//   - "fidelity (c)": at a role's first action in run r, run r was already
//     performed under another protocol version by a role of the instance.
//   - "linearity (ownership)": an endpoint used by a thread that did not
//     open it, or sent as a message value (such a send is also fidelity (a):
//     protocols carry only int, bool and unit).
//   - "linearity (orphan messages)", "progress (deadlock)",
//     "update-completion": judged in configurations with no enabled step
//     that are not stuck only by capacity; all that apply are reported.
//     Progress: some thread is running (waiting, at the barrier included).
//     Update completion: introduced, and some running participant has not
//     applied. Orphans: the queue is not empty. A crashed thread has
//     stopped, like a finished one.
//   - "runtime": division or modulo by zero, operand or condition of the
//     wrong type, undefined variable or function, wrong arity, a channel
//     that is not an endpoint, case without a branch for the label, too deep
//     a stack, unbounded local computation. The thread crashes (stops).
//
// Capacity: a configuration with no enabled step in which some send/select
// is held back by the bound is "capacity reached" (CapacityReached, no
// violation) when every running thread is held back or released: a thread
// waiting on receive/case from q on (i, r) is released if a held-back send
// is on (i, q) to r, or if the holder of (i, q) is itself released (and not
// held back) — a fixpoint, over-approximating beyond the first hop; a
// thread at the barrier is released if every running participant that has
// not applied and is not at the barrier is released; a thread at
// request/accept never is. Otherwise it is judged as above (docs/language.md §5).
//
// Faults of switched-off properties are dropped and the step happens
// anyway where it can (a wrong send still queues, a receive still takes its
// message, a fidelity (a) receive with no message leaves the thread
// waiting); after any fault on an endpoint action that endpoint is no
// longer tracked: no further fidelity facts, and it no longer counts for
// runs, for the apply condition or for taking part in the update.
//
// # Depth and ties
//
// A fault on a transition has depth(source)+1; the violations of a
// configuration with no enabled step have its depth; faults while building
// the initial configuration have depth 0. BFS stops after the first level
// with a violation, having checked the whole level: Properties and Rules
// collect every violation of that depth, including the terminal violations
// of the configurations the faulting transitions reach (a run of Depth
// transitions that faults and ends stuck violates both).
//
// # Canonical form (docs/language.md §6), exact
//
// An instance that nothing refers to (no endpoint value in any thread, no
// queued message) and whose roles have each reached end, are untracked, or
// belong to a stopped thread is forgotten; the others are renumbered in
// order of their service's name, then their roles' holders (ties in creation
// order: docs/language.md §6, "Session order"). Runs are tracked only for
// instances of moved services.
// Per instance, run numbers are shifted so the least run of a tracked role
// not at end is 0 (roles at end are clamped at 0: below that they cannot be
// the max for n), run-version records below it are dropped (no role can
// start those runs), n is clamped at 0 (every such role is past run n).
// Once every tracked role runs the new protocol for its current and next
// runs and no run they have still to start was recorded under the old one,
// the instance stops tracking runs (fidelity (c) cannot fail any more and
// its holders have applied).
package reference
