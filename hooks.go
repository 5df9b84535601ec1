package herald

import (
	"github.com/herald-go/herald/internal/hook"
)

// The functions packages driver and match offer are the root's own, lent
// through internal/hook.
func init() {
	hook.CheckEnvelope = checkEnvelope
	hook.SafeHandle = safeHandle
	hook.CauseContexts = func() any { return new(causeContexts) }
	hook.UserFrom = userFrom
	hook.CauseFrom = causeFrom
	hook.TxFrom = txFrom
	hook.LabelsFrom = labelsFrom
	hook.ContextWithConsumer = contextWithConsumer
	hook.ConsumerFrom = consumerFrom
	hook.AppendString = appendEnvelopeString
	hook.AppendLabels = appendEnvelopeLabels
}
