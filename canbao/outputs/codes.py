"""Code lists the outputs print in Chinese: the Zhejiang survey form's (seed 002, 附件2) and GB 3304.

The towns fill in and send back the same codes (``survey_return``), so the
rosters print them exactly as the form's 填写说明 numbers them.
"""

from __future__ import annotations

# GB 3304 民族 codes.
ETHNICITY = {
    "01": "汉族", "02": "蒙古族", "03": "回族", "04": "藏族", "05": "维吾尔族", "06": "苗族",
    "07": "彝族", "08": "壮族", "09": "布依族", "10": "朝鲜族", "11": "满族", "12": "侗族",
    "13": "瑶族", "14": "白族", "15": "土家族", "16": "哈尼族", "17": "哈萨克族", "18": "傣族",
    "19": "黎族", "20": "傈僳族", "21": "佤族", "22": "畲族", "23": "高山族", "24": "拉祜族",
    "25": "水族", "26": "东乡族", "27": "纳西族", "28": "景颇族", "29": "柯尔克孜族", "30": "土族",
    "31": "达斡尔族", "32": "仫佬族", "33": "羌族", "34": "布朗族", "35": "撒拉族", "36": "毛南族",
    "37": "仡佬族", "38": "锡伯族", "39": "阿昌族", "40": "普米族", "41": "塔吉克族", "42": "怒族",
    "43": "乌孜别克族", "44": "俄罗斯族", "45": "鄂温克族", "46": "德昂族", "47": "保安族",
    "48": "裕固族", "49": "京族", "50": "塔塔尔族", "51": "独龙族", "52": "鄂伦春族", "53": "赫哲族",
    "54": "门巴族", "55": "珞巴族", "56": "基诺族", "97": "其他", "98": "外国血统中国籍人士",
}

# 单位类型 (11), form item 五.
UNIT_TYPE = {
    "1": "企业", "2": "机关", "3": "行政职能类事业单位", "4": "公益服务类事业单位",
    "5": "生产经营类事业单位", "6": "部队", "7": "社会团体、民办非企业单位、基金会",
    "8": "个体工商户(有雇工的)", "9": "境外非政府组织驻华代表机构",
    "10": "城市(农村)居(村)民委员会", "11": "其他",
}

# 个人身份 (12), form item 六.
PERSONAL_STATUS = {
    "1": "国家公务员", "2": "参照公务员管理人员", "3": "专业技术人员", "4": "职员", "5": "企业管理人员",
    "6": "工人", "7": "农民", "8": "学生", "9": "现役军人", "10": "自由职业者", "11": "个体经营者",
    "12": "无业人员", "13": "退(离)休人员", "14": "其他",
}

# 未参保原因 (13), form item 七.
REASON = {
    "1": "个人未参保", "2": "缴费终止", "3": "单位未予参保", "4": "全日制在校生", "5": "参军",
    "6": "部队建账的随军家属", "7": "出国(含留学、定居、就业)", "8": "判刑", "9": "已参保信息有误",
    "10": "人户分离,联系不上", "11": "户口待注销", "12": "其他",
}

# 单位名称 (10) for people without an employer, form item 四, from the provincial employment_status.
NO_EMPLOYER_NOTE = {
    "PRESCHOOL": "1、学龄前",
    "STUDENT": "2、在校学生",
    "UNEMPLOYED": "3、未就业",
    "FLEXIBLE": "4、灵活就业",
    "RETIRED": "5、已办理离退休手续或已领取养老待遇",
}

# 个人身份 that the base can tell on its own; anything else is left for the survey.
PERSONAL_STATUS_FROM_EMPLOYMENT = {"STUDENT": "8", "RETIRED": "13", "FLEXIBLE": "10", "UNEMPLOYED": "12"}

# The five insurance families of the dispatch tables and the form's item 13, in the form's order,
# with the insurance codes whose reason (``reasons`` of the base) speaks for the family.
FAMILIES = [
    ("pension", "养老保险", "cov_pension", ("110", "120", "170")),
    ("medical", "医疗保险", "cov_medical", ("310", "390")),
    ("work_injury", "工伤保险", "cov_410", ("410",)),
    ("maternity", "生育保险", "cov_510", ("510",)),
    ("unemployment", "失业保险", "cov_210", ("210",)),
]
FAMILY_ALIASES = {
    "养老": "pension", "养老保险": "pension", "基本养老保险": "pension", "pension": "pension",
    "医疗": "medical", "医疗保险": "medical", "基本医疗保险": "medical", "medical": "medical",
    "工伤": "work_injury", "工伤保险": "work_injury", "work_injury": "work_injury",
    "生育": "maternity", "生育保险": "maternity", "maternity": "maternity",
    "失业": "unemployment", "失业保险": "unemployment", "unemployment": "unemployment",
}

# The seven identity facts (form items 2-9), named as in the provincial interface.
IDENTITY_FACTS = {
    "name": "姓名", "sex": "性别", "person_id": "公民身份证号码", "birth_date": "出生日期",
    "ethnicity": "民族", "residence_address": "常住所在地地址", "phone": "手机",
}

REVIEW_FLAG = {
    "MISSING_FROM_SNAPSHOT": "公安户籍快照中缺失",
}

CATEGORY = {
    "DECEASED_ACTIVE": "死亡未停保", "DUPLICATE": "重复参保", "UNINSURED": "未参保", "LAPSED": "断保",
    "PARTIAL": "未参齐险种", "INSURED": "已参保", "NOT_APPLICABLE": "非应参保",
}

INSURANCE = {
    "110": "企业职工基本养老保险", "120": "机关事业单位养老保险", "170": "城乡居民基本养老保险",
    "210": "失业保险", "310": "职工基本医疗保险", "390": "城乡居民基本医疗保险", "410": "工伤保险",
    "510": "生育保险",
}

ENROLLMENT_STATUS = {"ACTIVE": "参保缴费", "RECEIVING": "领取待遇", "SUSPENDED": "暂停缴费", "TERMINATED": "终止"}

DEATH_SOURCE = {"civil_affairs": "民政(殡葬火化)", "public_security": "公安(户口注销)"}

SEX = {"1": "男", "2": "女"}
