"""Pictures and documents built from her data: the scales the clinician's chart draws, the
PDF report. (The /history chart is companion.charts, the clinician's companion.clinician_charts.)"""
