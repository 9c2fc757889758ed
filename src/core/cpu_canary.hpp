// How fast this machine runs right now: a fixed piece of CPU work, timed. On a shared or
// virtual machine a neighbour, a thermal limit or a frequency change can make everything 50%
// slower for minutes; a suite run times this work when it starts and around the second
// measurement of a suspected regression, so the gate can tell "the code got slower" from
// "the machine got slower" (compare::explain_by_machine_slowdown).
#pragma once

namespace perfgate {

// The median of nine timings (wall clock, milliseconds) of the same dependent integer work,
// about 3 ms each on a 3 GHz core, on each CPU the process may run on (up to eight, one after
// the other): the slowest CPU's. About 30 ms a CPU. Comparable between runs of the same build
// on the same machine only.
double cpu_canary_ms();

}  // namespace perfgate
