#pragma once
// SKIPOPU_HOT marks a step that is called once per simulated event or per request and only from
// its own file, so that the compiler inlines it into its caller (advance_impl, submit,
// on_inner_completion): as calls, such steps cost about 0.3 G of the 2.9 G instructions of the
// random 32-B bench row (docs/hbm-speed.md, eighth pass). Only for functions defined in the
// same .cpp file as every caller.
#define SKIPOPU_HOT __attribute__((always_inline)) inline
