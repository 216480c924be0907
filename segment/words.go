package segment

import "github.com/spoorhq/spoor/i18n"

// TierName is an RFM tier (TierNames) as a person reads it; flags,
// segment expressions and JSON keep the English name.
func TierName(l i18n.Lang, tier string) string {
	switch tier {
	case "champions":
		return l.T("champions")
	case "loyal":
		return l.T("loyal")
	case "potential loyalists":
		return l.T("potential loyalists")
	case "new":
		return l.T("new (RFM tier)")
	case "at risk":
		return l.T("at risk")
	case "can't lose":
		return l.T("can't lose")
	case "hibernating":
		return l.T("hibernating")
	case "lost":
		return l.T("lost")
	}
	return tier
}

// StageName is a lifecycle stage (StageNames) as a person reads it;
// flags, stage: references and JSON keep the English name.
func StageName(l i18n.Lang, stage string) string {
	switch stage {
	case "new":
		return l.T("new")
	case "active":
		return l.T("active")
	case "returning":
		return l.T("returning (stage)")
	case "dormant":
		return l.T("dormant")
	case "churned":
		return l.T("churned")
	}
	return stage
}
