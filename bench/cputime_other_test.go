//go:build !unix

package bench

import "time"

// cpuTime returns 0: CPU time is read on unix systems only.
func cpuTime() time.Duration { return 0 }
