package segment

import "github.com/spoorhq/spoor/i18n"

// TierName is an RFM tier (TierNames) as a person reads it; flags,
// segment expressions and JSON keep the English name.
func TierName(tier string) string {
	switch tier {
	case "champions":
		return i18n.T("champions")
	case "loyal":
		return i18n.T("loyal")
	case "potential loyalists":
		return i18n.T("potential loyalists")
	case "new":
		return i18n.T("new (RFM tier)")
	case "at risk":
		return i18n.T("at risk")
	case "can't lose":
		return i18n.T("can't lose")
	case "hibernating":
		return i18n.T("hibernating")
	case "lost":
		return i18n.T("lost")
	}
	return tier
}

// StageName is a lifecycle stage (StageNames) as a person reads it;
// flags, stage: references and JSON keep the English name.
func StageName(stage string) string {
	switch stage {
	case "new":
		return i18n.T("new")
	case "active":
		return i18n.T("active")
	case "returning":
		return i18n.T("returning (stage)")
	case "dormant":
		return i18n.T("dormant")
	case "churned":
		return i18n.T("churned")
	}
	return stage
}
