"""ATL311's rasa-sdk action server package.

rasa-sdk imports every module here at start-up, so no module does network,
database or secret access at import. One module per feature: ``report`` and
``report_form`` (filing), ``status``, ``add_info``, ``referral``; the case
store is reached only through ``casestore_client`` (HTTP), and ``parsing`` holds
the pure input checks.
"""
